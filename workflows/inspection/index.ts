/**
 * The inspection (纠察督导) lifecycle: an inspector goes to the front line and records how a directive is
 * carried out; the township puts the problem right; the county closes the finding or publishes it.
 *
 * States (`inspections.state`), and the command that leads to each:
 * - **open** (待整改) — `/督查 <网格或乡镇> [令N] <问题> [人数:N]` in the command group, by an inspector or a
 *   commander ({@link record}): numbered for the year (`督查〔2026〕第5号`, counter `inspection`, taken in
 *   the recording transaction), tied to the unit (read leniently: `马坞镇高垄口村第2网格`, a grid name alone
 *   when unique, `马坞镇 高垄口村第2网格`, a township alone; {@link readFindingUnit}) and, when named, to the
 *   directive (read as workflows/directive/ref.ts reads references). Pictures in the same message, or in
 *   the sender's next message within `PICTURE_FOLLOW_UP_MS`, are its evidence ({@link attachFindingPicture}).
 *   The unit's township room is told in one message — the unit and the problem, nobody named (roster names
 *   and personal numbers masked, relay.ts); the unit's own group is not.
 * - **rectified** (已整改) — `/整改 <督查号> <整改情况>` by a township officer in its own room, for its own
 *   township's findings ({@link rectify}), with pictures in the message or right after it
 *   ({@link attachRectifyPicture}); the group the finding was recorded in (the command group) is told.
 * - **closed** (已结案) — `/督查结案 <号> [说明]` by an inspector or commander in the command group
 *   ({@link closeFinding}), from open or rectified; the township room is told. Final.
 * Beside the states: `/通报 <号> [补充]` ({@link publishFinding}), by an inspector or commander in the
 * command group, in any state and once: a notice of the county's series (`通告〔2026〕第18号`, the notice
 * counter, no receipt asked) relayed to every township room — the unit and the problem with nobody named;
 * a commander's 补充 as written. Reading: `/督查列表 [号]` ({@link findingListText}, {@link findingDetailText})
 * and `/进度 <令N>` ({@link findingsOfDirectiveLines}) — the command group every township's findings, a
 * township room its own, grid groups nothing. `/统计`, the digest, the export's 督查 sheet and the dashboard
 * count them per township (workflows/reports/inspections.ts). Every step is in the audit log
 * (`inspection.record|picture|rectify|close|publish|overdue`).
 *
 * Timers it schedules: kind `inspection.sla`, id `insp-<id>-sla`, due `INSPECTION_RECTIFY_SLA` (default
 * 24 h) after the finding is recorded; cancelled by rectification and closure. Firing on a finding still
 * open, it lists it once to its township room and to the command group, folding the findings falling due
 * together into one message per group (sla.ts). Not urgent: it waits out quiet hours.
 *
 * Files beside this one:
 * - fields.ts — reading `/督查`'s text and finding numbers as written (pure).
 * - number.ts — `督查〔2026〕第5号`, finding a finding by number.
 * - record.ts — the unit, recording, the township room's message, evidence pictures.
 * - handle.ts — rectify, close, publish: who may, from which state, who is told.
 * - sla.ts — the rectification SLA timer and its folded lists.
 * - relay.ts — the unit and problem as relayed (masked), the groups concerned, audit entries.
 * - list.ts — `/督查列表` and the findings under a directive's `/进度`.
 *
 * Every function that changes state runs synchronously inside the caller's write transaction.
 */
export { record, readFindingUnit, attachFindingPicture, type RecordInput, type RecordResult } from './record.js';
export { rectify, attachRectifyPicture, closeFinding, publishFinding, INSPECTION_STATE_ZH, type Handler } from './handle.js';
export { rectifySlaTimer } from './sla.js';
export { findingListText, findingDetailText, findingsOfDirectiveLines, type FindingViewer } from './list.js';
export { findingNumber, findingRefWord } from './number.js';
export { unitLabel } from './relay.js';
export { parseFindingArgs, parseFindingRef, splitFindingArgs, findingDirectiveRef, MAX_PROBLEM_CHARS, type FindingArgs, type FindingRef } from './fields.js';
