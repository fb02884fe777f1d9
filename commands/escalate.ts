import { defineCommand } from '../src/core/command.js';
import { Refusal, UsageError } from '../src/core/errors.js';
import { ALL_ROLES } from '../src/core/permissions.js';
import { parseLeadReport, parseMoveArgs, type LeadRef } from '../workflows/lead-fields.js';
import { escalate, leadNumber } from '../workflows/lead.js';
import report, { reportAndAnswer } from './report.js';

type Input = { ok: true; ref: LeadRef; reason: string } | { ok: false; error: UsageError };

/**
 * `/上报县 <号> <理由>` — a township officer escalates a lead to the command group.
 * In a grid group the words are read as `/上报` of a text starting with 县 (`/上报县医院门口有人聚集`),
 * so a report from the field is never refused for the accident of its first word.
 */
export default defineCommand<Input>({
  name: 'escalate',
  words: ['/上报县', '/escalate'],
  usage: '/上报县 <号> <理由>（乡镇指挥室使用）',
  summary: '乡镇将线索上报县指挥部，附理由',
  allow: ALL_ROLES,
  where: ['township', 'grid'],
  parse(args) {
    try {
      const { ref, note } = parseMoveArgs(args, true, '理由');
      return { ok: true, ref, reason: note };
    } catch (err) {
      if (err instanceof UsageError) return { ok: false, error: err };
      throw err;
    }
  },
  run(ctx, input) {
    if (ctx.tier === 'grid') {
      const m = /^\s*[/／](上报县|escalate)\s*([\s\S]*)$/i.exec(ctx.message.text);
      if (!m || m[1]!.toLowerCase() === 'escalate') throw new Refusal(`/escalate 只能在乡镇指挥室使用。上报线索请用 ${report.usage}`);
      try {
        return reportAndAnswer(ctx, parseLeadReport(`县${m[2]}`));
      } catch (err) {
        if (err instanceof UsageError) throw new Refusal(`${err.message}。用法：${report.usage}`);
        throw err;
      }
    }
    if (ctx.sender.role !== 'township_officer' || ctx.sender.unitId !== ctx.groupUnit.id) {
      throw new Refusal('/上报县 仅限本乡镇干部在本乡镇指挥室使用。');
    }
    if (!input.ok) throw input.error;
    const lead = escalate(ctx.deps, input.ref, input.reason, {
      member: ctx.sender,
      tier: ctx.tier,
      unit: ctx.groupUnit,
      inboundId: ctx.message.inboundId,
    });
    return { text: `✅ 线索 ${leadNumber(lead)} 已上报县指挥部，已告知上报网格。` };
  },
});
