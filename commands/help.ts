import { defineCommand, type CommandContext, type CommandDef } from '../src/core/command.js';
import { ALL_ROLES, ROLE_ZH, mayUse, placeOf } from '../src/core/permissions.js';

/** Who asks where: the sender, the group, its unit and tier. */
export type Who = Pick<CommandContext, 'sender' | 'tier' | 'group' | 'groupUnit'>;

/**
 * The commands `ctx.sender` may use in `ctx`'s group: those {@link mayUse} allows — by role, group, unit and
 * the command's own policy, the same function the refusals come from.
 */
export function usableCommands(list: readonly CommandDef<any>[], ctx: Who): CommandDef<any>[] {
  return list.filter((c) => mayUse(c, ctx.sender, placeOf(ctx)).allowed);
}

/**
 * The commands `/帮助` lists for `ctx.sender` in `ctx`'s group: the {@link usableCommands} but `/帮助` itself, in
 * `list` order. The console page's command menu (`GET /console/v1/commands`) lists the same.
 */
export function helpCommands(list: readonly CommandDef<any>[], ctx: Who): CommandDef<any>[] {
  return usableCommands(list, ctx).filter((c) => c.name !== 'help');
}

/**
 * The lines of `/帮助`, short enough for a phone: each names related commands (by `CommandDef.name`) with
 * the words to type and what they do. A line is shown when its first command (`show`) is usable; the
 * commands in `also` are named on it only when usable too. A command's full usage is in its own answer
 * to a malformed use.
 */
const LINES: readonly { show: string; also?: readonly string[]; line: (has: (name: string) => boolean) => string }[] = [
  { show: 'directive', line: () => '/令 <内容> [范围:…] — 发布指挥部令' },
  { show: 'notice', line: () => '/通告 <内容> [回执:否] — 发布通告' },
  { show: 'ack', line: () => '回复「收到」或 /收到 [编号] — 确认' },
  {
    show: 'progress',
    also: ['chase', 'export'],
    line: (has) => (has('chase') || has('export') ? `/进度 <编号> [全部]${has('chase') ? '、/催办 <编号>' : ''}${has('export') ? '、/导出 <编号>' : ''}` : '/进度 <编号> [全部] — 确认进度'),
  },
  { show: 'amend', also: ['revoke'], line: (has) => (has('revoke') ? '/更正 <编号> <内容>、/撤回 <编号>' : '/更正 <编号> <内容> — 更正') },
  // errands: a grid orders, settles and delivers beside its leads; a township officer buys its list
  { show: 'report', also: ['errand'], line: (has) => (has('errand') ? '/上报 <情况>、/代办 <物品数量> [自给|送达 <号>]' : '/上报 <情况> — 上报线索') },
  { show: 'errand', line: () => '/代办 [采购 <日期|号>] — 红色代办清单' },
  {
    show: 'accept',
    also: ['verify', 'handle', 'close', 'escalate', 'leads', 'transfer'],
    line: (has) => `/线索、/受理 /核查 /处置 /办结${has('escalate') ? ' /上报县' : ''} <号>${has('transfer') ? '、/转 <号> <乡镇>' : ''}`,
  },
  { show: 'leads', line: () => '/线索 [号] — 查看线索' },
  // inspections: the county's inspectors and commanders record, close, publish; a township officer rectifies; readers list
  { show: 'inspect', also: ['inspections', 'inspect-close', 'publish'], line: (has) => `/督查 <单位> [令N] <问题>${has('inspections') ? '、/督查列表' : ''} /督查结案 /通报 <号>` },
  { show: 'rectify', also: ['inspections'], line: (has) => `/整改 <督查号> <整改情况>${has('inspections') ? '、/督查列表' : ''}` },
  { show: 'inspections', line: () => '/督查列表 [号] — 查看督查问题' },
  { show: 'task', line: () => '/任务 <标题> 截止:<时间> [范围:…] [回报:…]' },
  { show: 'reschedule', also: ['cancel-task'], line: (has) => `/改期 <号> 截止:<时间>${has('cancel-task') ? '、/取消任务 <号>' : ''}` },
  { show: 'done', line: () => '/完成 <任务号> [回报项:数字] [说明]' },
  { show: 'tasks', also: ['stats'], line: (has) => (has('stats') ? '/任务列表 [号]、/统计 [今日|本周|编号]' : '/任务列表 [号] — 查看任务') },
  { show: 'stats', line: () => '/统计 [今日|本周|编号] — 统计' },
  { show: 'risk', line: () => '/风险 <网格> <颜色> — 设置风险颜色' },
];

/** At most this many lines in all (the heading included), so it reads on a phone without scrolling. */
const MAX_LINES = 10;

/**
 * The `/帮助` text for the usable command names: `可用指令：` then one short line per group of related
 * commands ({@link LINES}); commands not in that table get `usage — summary`. Never more than
 * {@link MAX_LINES} lines: what does not fit is named on one last line.
 */
export function helpText(usable: readonly CommandDef<any>[]): string {
  const names = new Set(usable.map((c) => c.name));
  const has = (name: string) => names.has(name);
  const covered = new Set<string>(['help']);
  const lines: string[] = [];
  for (const l of LINES) {
    if (!has(l.show) || covered.has(l.show)) continue;
    for (const name of [l.show, ...(l.also ?? [])]) if (has(name)) covered.add(name);
    lines.push(l.line(has));
  }
  for (const c of usable) if (!covered.has(c.name)) lines.push(`${c.usage} — ${c.summary}`);
  if (lines.length > MAX_LINES - 1) {
    const rest = lines.splice(MAX_LINES - 2);
    // every command word of the lines left out, so nothing this person may use goes unnamed
    const words = [...new Set(rest.flatMap((l) => l.match(/\/[^\s、<[\]—]+/g) ?? []))];
    lines.push(`另有：${words.join(' ')}`);
  }
  return ['可用指令：', ...lines].join('\n');
}

/** `/帮助`: the commands this sender may use in this group, short (see {@link helpText}). */
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
      const usable = helpCommands(list(), ctx);
      // nothing to offer here (e.g. a grid worker in the command group): say why and where to ask instead
      if (usable.length === 0) return { text: `在${ctx.groupUnit.name}的群里没有你（${ROLE_ZH[ctx.sender.role]}）可用的指令。请在你所在单位的群里查看可用指令。` };
      return { text: helpText(usable) };
    },
  });
}
