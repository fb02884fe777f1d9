import { defineCommand } from '../src/core/command.js';
import { UsageError } from '../src/core/errors.js';
import { LEAD_MOVER_ROLES, mayTransferLead } from '../src/core/permissions.js';
import { formatDurationZh } from '../src/time/duration.js';
import { findTownship, leadNumber, type LeadRef, parseMoveArgs, transfer } from '../workflows/lead/index.js';
import { checkLength, MAX_CHARS } from './limits.js';

/**
 * `/转 <号> <乡镇> [说明]` — the county sends a lead to a township (one reported in the wrong township, or
 * one it took with `/受理` in the command group and now hands down). The new room gets the lead (with the
 * note, if any), the old room and the reporting grid are told.
 */
export default defineCommand<{ ref: LeadRef; township: string; note: string }>({
  name: 'transfer',
  words: ['/转', '/transfer'],
  usage: '/转 <号> <乡镇> [说明]（如 /转 007 大坑乡 请核实后处置；指挥部群使用）',
  summary: '指挥部把线索转交乡镇办理',
  allow: LEAD_MOVER_ROLES,
  where: ['county', 'township'],
  ownUnitOnly: true,
  policy: mayTransferLead,
  parse(args) {
    const { ref, note: rest } = parseMoveArgs(args, true, '乡镇');
    const m = /^(?:(?:到|给|至|交)\s*)?(\S+)\s*([\s\S]*)$/.exec(rest);
    if (!m) throw new UsageError('缺少乡镇');
    const note = m[2]!.trim();
    checkLength(note, '说明', MAX_CHARS.note);
    return { ref, township: m[1]!, note };
  },
  async run(ctx, input) {
    const to = await findTownship(ctx.deps, input.township);
    const r = await transfer(ctx.deps, input.ref, to, input.note, {
      member: ctx.sender,
      tier: ctx.tier,
      unit: ctx.groupUnit,
      inboundId: ctx.message.inboundId,
      at: ctx.receivedAt,
    });
    const told = [to.name, ...(r.from && r.from.id !== to.id ? [r.from.name] : []), '上报网格'].join('、');
    const sla = r.sla !== null ? `\n${formatDurationZh(r.sla)}内未受理将再报指挥部。` : '';
    return { text: `✅ 线索 ${leadNumber(r.lead)} 已转交${to.name}，已告知${told}。${sla}` };
  },
});
