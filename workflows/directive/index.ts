/**
 * The directive (指挥部令) and notice (通告) lifecycle: issue with a gapless number and a target snapshot,
 * relay to every target group through the outbox, acknowledge once per unit, remind and escalate the
 * silent units, amend or revoke, report progress per tier.
 *
 * States (`directives.status`, `revision`):
 * - **open**, revision 1 — issued (`/令`, `/通告`: {@link issue}). Each target unit (the snapshot taken at
 *   issue) owes one acknowledgement of the current revision, unless the item was sent with `回执:否`.
 * - **open**, revision N > 1 — amended (`/更正`: {@link amend}): the correction is relayed to the same
 *   groups with what it changed, earlier acknowledgements no longer count, the deadline and the ladder
 *   restart.
 * - **revoked** — `/撤回` ({@link revoke}): relayed, every pending ladder step cancelled; acknowledging it
 *   is refused from then on. Final.
 *
 * Transitions within a state:
 * - `收到`, `/收到 [编号]`, a quoted reply, Slack's 「收到」 button → {@link acknowledge}: records the unit's
 *   acknowledgement of the current revision (once; late ones count, marked late).
 * - `这边没收到`, `再发一遍`, `是哪个令` → {@link resendText}, {@link whichText} (read-only: re-post or list
 *   what the group still has to acknowledge); anything else not understood → {@link unclearText}.
 * - `/催办` → {@link chase}: one reminder to each silent grid's group (@-mentioning its leader and worker),
 *   one line to each township room (a township officer's chase: its own township only); at most once per
 *   `CHASE_MIN_GAP` per item and township; recorded as a `chase` event, shown by `/进度`.
 * - `/进度` → {@link progressText}; `/进度 N 全部` → {@link silentListPieces} (every silent unit, in
 *   phone-sized pieces); `/统计` → workflows/reports/ (all read-only).
 *
 * Timers it schedules (durable, src/jobs/timers.ts; each fires once, also across restarts):
 * - kind `directive.ladder`, ids `dir-<id>-r<rev>-s<step>`, scheduled at issue and at each amendment
 *   when a receipt is asked (ladder.ts): step 1 after `ACK_REMIND_AFTER` reminds each silent unit in its
 *   own group; step 2 at the deadline (`时限`, default `ACK_ESCALATE_AFTER`) lists each township's silent
 *   grids to its room; step 3, `ACK_ESCALATE_COUNTY_AFTER − ACK_ESCALATE_AFTER` later, rolls up to the
 *   command group (not for a township's own notice). Only units still silent are named; a step with
 *   nobody silent sends nothing. Cancelled by an amendment (that revision's steps) and a revocation (all).
 * - kind `directive.chase`, id `chase-<id>-i<inbound id>` (chase.ts): a `/催办` made in quiet hours for an
 *   item that is not urgent, held until they end; sent then to the units still silent (nothing if the item
 *   was revoked or amended meanwhile).
 * - read-receipt polls (BullMQ `receipts` queue, not timers; DingTalk only) after issue and amendment,
 *   at each `READ_RECEIPT_POLL` offset (receipts.ts).
 * - a relay the platform refuses for good is reported to the issuer's group (workflows/delivery/).
 *
 * Files beside this one:
 * - issue.ts — {@link issue}: number, target snapshot, relays (a scoped item's township-room relay names
 *   the room's grids in scope: `本乡镇 3 个红色网格：…`), ladder, audit.
 * - acknowledge.ts — {@link acknowledge}: which item a 收到 means, once per unit and revision.
 * - amend.ts — {@link amend}, {@link revoke}, who may change an item, and the history lines of `/进度`.
 * - changes.ts — {@link whatChanged}: what a correction changed (lines, words, or the previous version),
 *   shown in its relay and in the answer to `/更正`.
 * - ladder.ts — the reminder-and-escalation timers and their messages.
 * - progress.ts — `/进度` text per tier, the full silent list (`/进度 N 全部`), and {@link resolve} (an item
 *   by reference, for reading).
 * - chase.ts — {@link chase} (`/催办`), its held timer, and when an item was last chased.
 * - pending.ts — "I did not get it" / "which one?" answers.
 * - receipts.ts — read receipts: planning polls, polling the platform, read figures.
 * - ref.ts — references as people write them (`令17`, `第二号令`, `大坑乡通告1`) and {@link refWord},
 *   how the bot's hints write them; finding the item a reference names.
 * - series.ts — notice numbering series (the county's, each township's own) and which one a reference means.
 * - scope.ts — `范围:` read against the roster (also used by tasks and `/风险`).
 * - format.ts — how items are named in text (`指挥部令〔2026〕第17号`) and the acknowledgement button.
 * - numbers.ts — {@link setNextNumber}: numbers that continue a series issued by hand before gridrelay
 *   (`npm run gridrelay -- numbers set`), never reusing one gridrelay issued; audited.
 *
 * Every function that changes state runs synchronously inside the caller's write transaction
 * (better-sqlite3), so the change, its relays and its timers are stored together or not at all.
 */
export { issue, type IssueInput, type IssueResult } from './issue.js';
export { acknowledge, type AckInput, type AckResult } from './acknowledge.js';
export { amend, revoke, checkMayChange, currentText, resolveForChange, type ChangeInput, type ChangeResult } from './amend.js';
export { whatChanged } from './changes.js';
export { progressText, resolve, silentListPieces, packPieces, PIECE_CHARS } from './progress.js';
export { resendText, whichText, unclearText } from './pending.js';
export { ladderTimer } from './ladder.js';
export { chase, chaseTimer, lastChase, type ChaseInput } from './chase.js';
export { parseRef, splitRef, refWord, type DirectiveRef } from './ref.js';
export { noticeSeries, type RefViewer } from './series.js';
export { splitScope } from './scope.js';
export { KIND_ZH, formatNumber } from './format.js';
export { setNextNumber, type SetNextInput, type SetNextResult } from './numbers.js';
