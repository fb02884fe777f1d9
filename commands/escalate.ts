import { defineCommand } from '../src/core/command.js';
import { UsageError } from '../src/core/errors.js';
import { ALL_ROLES, mayEscalate } from '../src/core/permissions.js';
import { escalate, leadNumber, type LeadRef, parseMoveArgs } from '../workflows/lead/index.js';
import { MAX_CHARS, requireText } from './limits.js';
import report from './report.js';

/** A parse error is kept, not thrown, so a grid member's `/上报县…` gets the policy's refusal with the way to report instead. */
type Input = { ok: true; ref: LeadRef; reason: string } | { ok: false; error: UsageError };

/**
 * `/上报县 <号> <理由>` — a township officer escalates a lead to the command group.
 * The longest command word wins: in a grid group `/上报县…` is this command too, and is refused with the
 * way to report a lead (`/上报 县医院门口有人聚集`), never filed as a lead whose text starts with 县.
 */
export default defineCommand<Input>({
  name: 'escalate',
  words: ['/上报县', '/escalate'],
  usage: '/上报县 <号> <理由>（乡镇指挥室使用）',
  summary: '乡镇将线索上报县指挥部，附理由',
  allow: ALL_ROLES,
  where: ['township', 'grid'],
  policy: (sender, group) => mayEscalate(sender, group, report.usage),
  parse(args) {
    try {
      const { ref, note } = parseMoveArgs(args, true, '理由');
      return { ok: true, ref, reason: requireText(note, '理由', MAX_CHARS.note) };
    } catch (err) {
      if (err instanceof UsageError) return { ok: false, error: err };
      throw err;
    }
  },
  async run(ctx, input) {
    if (!input.ok) throw input.error;
    const lead = await escalate(ctx.deps, input.ref, input.reason, {
      member: ctx.sender,
      tier: ctx.tier,
      unit: ctx.groupUnit,
      inboundId: ctx.message.inboundId,
      at: ctx.receivedAt,
    });
    return { text: `✅ 线索 ${leadNumber(lead)} 已上报县指挥部，已告知上报网格。` };
  },
});
