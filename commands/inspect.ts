import { defineCommand } from '../src/core/command.js';
import { UsageError } from '../src/core/errors.js';
import { INSPECTOR_ROLES } from '../src/core/permissions.js';
import type { Directive } from '../src/db/schema/index.js';
import { formatDurationZh } from '../src/time/duration.js';
import { formatNumber } from '../workflows/directive/index.js';
import { resolveRef } from '../workflows/directive/ref.js';
import {
  attachFindingPicture,
  findingDirectiveRef,
  findingNumber,
  MAX_PROBLEM_CHARS,
  parseFindingArgs,
  parseFindingRef,
  readFindingUnit,
  record,
  unitLabel,
  type FindingArgs,
} from '../workflows/inspection/index.js';
import { requireText } from './limits.js';
import { shortDateTimeIn } from '../src/time/clock.js';

export default defineCommand<FindingArgs>({
  name: 'inspect',
  words: ['/督查', '/inspect'],
  usage: '/督查 <网格或乡镇> [令N] <问题> [人数:N]（如 /督查 马坞镇高垄口村第2网格 令17 卡口无人值守 人数:2；可附图片）',
  summary: '登记督查发现的问题：编号并转所在乡镇指挥室整改',
  allow: INSPECTOR_ROLES,
  where: ['county'],
  parse(args) {
    const words = args.trim().split(/\s+/).filter(Boolean);
    // `/督查 5`: a number alone is a finding to look at, not a unit
    if (words.length === 1 && parseFindingRef(words[0]!)) throw new UsageError(`查看督查问题请发 /督查列表 ${words[0]}`);
    return parseFindingArgs(args);
  },
  async run(ctx, input) {
    const { deps } = ctx;
    const { unit, used } = await readFindingUnit(deps.db, input.words);
    let rest = input.words.slice(used);
    let directive: Directive | null = null;
    const ref = rest[0] !== undefined ? findingDirectiveRef(rest[0]) : null;
    if (ref) {
      directive = await resolveRef(deps, ref, '/督查', { tier: 'county', unit: ctx.groupUnit });
      rest = rest.slice(1);
    }
    if (rest.length === 0) throw new UsageError('缺少问题：请写明发现的问题');
    const problem = requireText(rest.join(' '), '问题', MAX_PROBLEM_CHARS);
    const attachments = ctx.message.attachments ?? [];
    const r = await record(deps, {
      unit,
      directive,
      problem,
      people: input.people ?? null,
      inspector: ctx.sender,
      conversationId: ctx.group.conversationId,
      attachments,
      inboundId: ctx.message.inboundId,
      at: ctx.receivedAt,
    });
    const where = await unitLabel(deps, r.finding);
    const to = r.roomName ? `已转${r.roomName}，限${shortDateTimeIn(r.dueAt, deps.config.TIMEZONE)}前（${formatDurationZh(deps.config.INSPECTION_RECTIFY_SLA)}内）整改` : '所在乡镇没有指挥室群，未转发';
    const lines = [`✅ 已登记 ${findingNumber(r.finding)}：${where}，${to}。`];
    if (directive) lines.push(`关联：${formatNumber(directive)}`);
    lines.push(attachments.length ? `附图${attachments.length}张。` : '如有图片，请紧接着发到本群。');
    return { text: lines.join('\n') };
  },
  async followUp(ctx, attachments) {
    if (ctx.tier !== 'county') return null;
    const r = await attachFindingPicture(ctx.deps, { sender: ctx.sender, conversationId: ctx.group.conversationId, attachments, inboundId: ctx.message.inboundId, at: ctx.receivedAt });
    return r ? { text: `已将图片附到${findingNumber(r.finding)}（共${r.pictures}张）。` } : null;
  },
});
