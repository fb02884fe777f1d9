import { defineCommand, type CommandDef } from '../src/core/command.js';
import { ALL_ROLES, refusalFor } from '../src/core/permissions.js';

/** `/帮助`: the commands this sender may use in this group, in `commands/index.ts` order. */
export function helpCommand(list: () => readonly CommandDef<any>[]) {
  return defineCommand<Record<string, never>>({
    name: 'help',
    words: ['/帮助', '/help'],
    usage: '/帮助',
    summary: '列出你在本群可用的指令',
    allow: ALL_ROLES,
    where: ['county', 'township', 'grid'],
    parse: () => ({}),
    run(ctx) {
      const usable = list().filter((c) => !refusalFor(c, ctx.sender, { tier: ctx.tier, unit: ctx.groupUnit }));
      return { text: ['可用指令：', ...usable.map((c) => `${c.usage} — ${c.summary}`)].join('\n') };
    },
  });
}
