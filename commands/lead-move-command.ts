/** What `/受理` `/核查` `/处置` `/办结` share: who may move a lead, where, and the answer in the room. */
import { defineCommand, type CommandDef } from '../src/core/command.js';
import { formatDurationZh } from '../src/time/duration.js';
import { LEAD_MOVER_ROLES } from '../src/core/permissions.js';
import { LEAD_STATE_ZH, leadNumber, type LeadRef, type Move, moveLeadTo, MOVES, parseMoveArgs } from '../workflows/lead/index.js';
import { checkLength, MAX_CHARS, requireText } from './limits.js';

const NEXT: Record<Move, string> = {
  accept: '下一步：/核查 {n} <说明> 或 /处置、/办结',
  verify: '下一步：/处置 {n} <说明> 或 /办结 {n} <结果>',
  handle: '下一步：/办结 {n} <结果>',
  close: '',
};

/** Defines the command for one lead move. */
export function moveCommand(
  name: string,
  move: Move,
  opts: { aliases: string[]; noteName?: string; summary: string },
): CommandDef<{ ref: LeadRef; note: string }> {
  const m = MOVES[move];
  const needsNote = move !== 'accept';
  const noteName = opts.noteName ?? '说明';
  return defineCommand({
    name,
    words: [m.word, ...opts.aliases],
    usage: needsNote ? `${m.word} <号> <${noteName}>（号如 007 或 20260129-007）` : `${m.word} <号>（号如 007 或 20260129-007）`,
    summary: opts.summary,
    allow: LEAD_MOVER_ROLES,
    where: ['county', 'township'],
    ownUnitOnly: true,
    parse(args) {
      const { ref, note } = parseMoveArgs(args, needsNote, noteName);
      if (needsNote) return { ref, note: requireText(note, noteName, MAX_CHARS.note) };
      checkLength(note, noteName, MAX_CHARS.note);
      return { ref, note };
    },
    async run(ctx, input) {
      const r = await moveLeadTo(ctx.deps, input.ref, move, input.note, {
        member: ctx.sender,
        tier: ctx.tier,
        unit: ctx.groupUnit,
        inboundId: ctx.message.inboundId,
        at: ctx.receivedAt,
      });
      const took = move === 'accept' || move === 'close' ? `，距上报${formatDurationZh(r.sinceReport)}` : '';
      const n = String(r.lead.number).padStart(3, '0');
      // the county took it from the command group: it may hand it down to a township
      const next = [NEXT[move], move === 'accept' && ctx.tier === 'county' ? '交乡镇办理：/转 {n} <乡镇>' : ''].filter(Boolean).join('\n').replaceAll('{n}', n);
      return { text: `✅ 线索 ${leadNumber(r.lead)} ${LEAD_STATE_ZH[r.lead.state]}${took}，已告知上报网格。${next ? `\n${next}` : ''}` };
    },
  });
}
