/**
 * Answers to plain words that are not commands (see src/core/ack-classifier.ts), run by the dispatcher
 * in township rooms and grid groups: "I did not get it" re-posts the open items, "which one?" lists them,
 * and a message not understood is answered with what the group still has to acknowledge. They have no
 * command word and are not listed in `/帮助`; where one may not run, the dispatcher answers 没看懂.
 */
import { defineCommand, type CommandContext } from '../src/core/command.js';
import type { UnclearAnswer } from '../src/core/dispatch.js';
import { ALL_ROLES } from '../src/core/permissions.js';
import { type DirectiveRef, parseRef, resendText, unclearText, whichText } from '../workflows/directive/index.js';

const where = ['township', 'grid'] as const;
const reads = { scope: 'by-tier', what: '待确认事项' } as const;

/** `这边没收到`, `再发一遍`, `2号令没收到`: the open items (or the named one) in full. Parse gets `令第2号` or ''. */
export const resend = defineCommand<{ ref?: DirectiveRef | undefined }>({
  name: 'resend',
  words: ['再发一遍'],
  usage: '再发一遍 [编号]',
  summary: '重发本群待确认的指挥部令或通告全文',
  allow: ALL_ROLES,
  where,
  reads,
  parse: (args) => {
    const ref = args ? parseRef(args) : null;
    return ref ? { ref } : {};
  },
  run: async (ctx, input) => ({ text: await resendText(ctx.deps, ctx.groupUnit, input.ref) }),
});

/** `是哪个令`, `什么通知`: the open items by number and first line. */
export const which = defineCommand<Record<string, never>>({
  name: 'which',
  words: ['是哪个令'],
  usage: '是哪个令',
  summary: '列出本群待确认的指挥部令或通告',
  allow: ALL_ROLES,
  where,
  reads,
  parse: () => ({}),
  run: async (ctx) => ({ text: await whichText(ctx.deps, ctx.groupUnit) }),
});

/** Anything else: what the group still has to acknowledge; null (the dispatcher's 没看懂) when nothing is pending. */
export const unclear: UnclearAnswer = {
  allow: ALL_ROLES,
  where,
  reads,
  words: ['没看懂'],
  answer: async (ctx: CommandContext, mentionsAck: boolean) => await unclearText(ctx.deps, ctx.groupUnit, mentionsAck),
};
