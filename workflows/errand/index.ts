/**
 * The errand (红色代办) lifecycle: households under home quarantine send their needs to their grid; what
 * the village can supply is met there; the rest is summed per township at the daily cut-off into one
 * purchase list for the township's errand post (红色代办岗), which buys it in one go; the grid delivers it
 * to each door.
 *
 * States (`errands.state`), and what leads to each:
 * - **open** (待汇总) — `/代办 <物品数量…> [地址:…] [电话:…]` in a grid group, by any grid role of that grid
 *   ({@link placeOrder}): items read leniently (fields.ts: `大米10斤`, `酱油两瓶`, `半斤`, 斤/公斤/瓶/盒/袋/个/箱;
 *   an item not understood is kept as written and named in the answer), numbered per day
 *   (`代办 20261202-015`, counter `errand`), and assigned to a cut-off's list: today's before
 *   `ERRAND_CUTOFF` (in `TIMEZONE`), else tomorrow's — the answer says which. The address and phone are kept
 *   as written in the row and masked in every message (relay.ts).
 * - **settled** (已自给) — `/代办 自给 <号> [物品]` in the grid group ({@link settleSelf}) marks the named
 *   items (all when none is named) met inside the village; when every item is met the order is settled and
 *   goes on no list. Only while open.
 * - **listed** (已汇总) — at the cut-off ({@link runCutoff}, fired by src/jobs/errand-cutoff.ts): every open
 *   order due by today is listed on today's list, and each township room gets one purchase list — open items
 *   summed by goods and unit across its grids, 公斤 turned into 斤 for goods written both ways (list.ts) —
 *   once per township per day (outbox key `errand-list-<township>-<day>`).
 * - **bought** (已采购) — `/代办 采购 [日期|号]` by a township officer in its room ({@link markBought}): a
 *   day's list (default: its newest) or one order; each grid group concerned is told what to deliver.
 * - **delivered** (已送达) — `/代办 送达 <号>` in the grid group ({@link markDelivered}), from open, listed or
 *   bought, with pictures in the message or the sender's next message as evidence
 *   ({@link attachDeliveryPicture}). Final.
 * Orders listed at one cut-off and not delivered by the next are listed to the township room once, folded
 * in one message (`errand-overdue-<township>-<day>`, in {@link runCutoff}). Reading: `/代办` alone in a
 * township room shows what the next list holds so far; the per-village breakdown is the export API's
 * `errands` report (XLSX). Every step is in the audit log (`errand.order|self|list|buy|deliver|picture|overdue`).
 *
 * Timers it schedules: none — the cut-off is a daily job scheduler (src/jobs/errand-cutoff.ts), like the digest.
 *
 * Files beside this one:
 * - fields.ts — reading `/代办`'s text, items, quantities and order numbers (pure).
 * - number.ts — `20261202-015`, the days, which list an order belongs to, finding an order by number.
 * - order.ts — placing an order, 自给.
 * - cutoff.ts — the cut-off: the lists and the overdue lists.
 * - moves.ts — 采购, 送达, the delivery picture.
 * - list.ts — the sums, the list's text, the per-village breakdown.
 * - relay.ts — masking, groups concerned, audit entries.
 *
 * Every function that changes state runs synchronously inside the caller's write transaction.
 */
export { placeOrder, settleSelf, type OrderInput, type OrderResult } from './order.js';
export { runCutoff, type CutoffResult } from './cutoff.js';
export { markBought, markDelivered, attachDeliveryPicture } from './moves.js';
export { sumItems, sumLineText, purchaseListText, villageBreakdown, convertedGoods, qtyText, type SumLine, type ListSums, type BreakdownRow } from './list.js';
export { errandNumber, errandRefWord, resolveErrand, listDayOf, dayKey, dayLabel, nextDay } from './number.js';
export { maskedAddress, maskedPhone, itemsLine, gridLabel } from './relay.js';
export { parseErrandArgs, parseErrandOrder, parseErrandRef, readItem, readQuantity, ERRAND_USAGE, ERRAND_UNITS, type ErrandArgs, type ErrandOrder, type ErrandRef } from './fields.js';
