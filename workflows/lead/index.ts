/**
 * The lead (线索) lifecycle: a report from a grid group gets a gapless day number and goes to the
 * reporter's township room; township officers (or the county) move it along, and may escalate it to the
 * command group; a lead not accepted in time is reported to the command group, and again at each
 * further interval until it is accepted.
 *
 * States (`leads.state`, see states.ts), and the command that leads to each:
 * - **reported** (待受理) — `/上报 <情况> [类别:…] [地点:…] [人数:…] [紧急:是]` in a grid group
 *   ({@link report}): numbered for its day (`20260129-007`), sent to the township room (to the command
 *   group when the township has no room); an urgent one (`紧急:是/高`) @-mentions the township's officers
 *   there. A repeat by the same person within `LEAD_DEDUP_WINDOW` is not a
 *   new lead; a picture sent alone within `PICTURE_FOLLOW_UP_MS` is attached ({@link attachFollowUp}).
 * - **accepted** (已受理) — `/受理 <号>`, from reported.
 * - **verifying** (核查中) — `/核查 <号> <说明>`, from accepted.
 * - **handling** (处置中) — `/处置 <号> <说明>`, from accepted or verifying.
 * - **closed** (已办结) — `/办结 <号> <结果>`, from accepted, verifying or handling. Final.
 * Each move ({@link moveLeadTo}) is made by a township officer of the lead's township or by the county,
 * is recorded at the time the message was received, and is told back to the reporting grid.
 * Beside the states: `/上报县 <号> <理由>` ({@link escalate}) sends an open lead to the command group,
 * which from then on sees its text and hears of its moves. The county may take a lead itself (`/受理` in
 * the command group) and send any open lead to a township with `/转 <号> <乡镇>` ({@link transfer}): the
 * lead becomes that township's (its room gets it, the room it leaves and the grid are told), in the state
 * it was; one still reported gets a fresh acceptance SLA there.
 *
 * Timers it schedules: kind `lead.sla`, id `lead-<id>-sla`, due `LEAD_ACCEPT_SLA` (`LEAD_URGENT_ACCEPT_SLA`
 * for an urgent lead, if shorter) after the room is told (urgent leads ignore quiet hours); cancelled by
 * acceptance, closure or escalation. Firing on a lead still reported, it tells the command group (leads
 * falling due together in one notice) and the township room that it did, and re-arms itself one more
 * interval ahead: every further interval until the lead is accepted (第N次提醒) (sla.ts: {@link slaTimer}).
 *
 * Privacy: a lead's text goes only to its grid group, its township room and — once escalated (by a
 * person, or by the SLA) — the command group; every relayed text has mobile and ID-card numbers masked.
 * The full text is kept only in the lead record.
 *
 * Files beside this one:
 * - report.ts — intake: {@link report}, repeats, pictures.
 * - moves.ts — {@link moveLeadTo} and {@link escalate}: who may, from which state, who is told.
 * - transfer.ts — {@link transfer}: the county sends a lead to a township; {@link findTownship}.
 * - sla.ts — the acceptance SLA timer and its folded notices.
 * - states.ts — the states and the moves between them.
 * - number.ts — day numbers (`20260129-007`, `007`) and finding a lead by number.
 * - relay.ts — a lead's details as relayed (masked), recorded events, who may see the text.
 * - fields.ts — reading `/上报`'s text and fields, and lead numbers as written (pure).
 * - list.ts — `/线索`: the open leads, or one in detail, for the asker's tier.
 *
 * Every function that changes state runs synchronously inside the caller's write transaction.
 */
export { report, attachFollowUp, type ReportInput, type ReportResult } from './report.js';
export { moveLeadTo, escalate, type Actor, type MoveResult } from './moves.js';
export { transfer, findTownship, type TransferResult } from './transfer.js';
export { slaTimer } from './sla.js';
export { LEAD_STATE_ZH, MOVES, type Move } from './states.js';
export { dayKey, leadNumber } from './number.js';
export { CATEGORIES, parseLeadRef, parseLeadReport, parseMoveArgs, type LeadField, type LeadRef, type LeadReport } from './fields.js';
export { leadDetailText, leadListText } from './list.js';
