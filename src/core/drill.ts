/**
 * Drill (演练) items in text: an item created in a drill (`drill` on directives, leads, tasks) is named with
 * {@link DRILL_MARK} by its one formatter (`formatNumber`, `leadNumber`, `formatTaskNumber`), and the outbox
 * moves that mark to the start of the message ({@link drillFirst}), so every message about a drill item —
 * relay, confirmation, reminder, escalation, progress answer — starts with 【演练】 without each message
 * being written for it. PRODUCT.md §2.9.
 */

/** The mark every message about a drill item starts with. */
export const DRILL_MARK = '【演练】';

/** {@link DRILL_MARK} for an item created in a drill, '' otherwise: put it right before the item's number. */
export function drillTag(item: { drill?: boolean | null }): string {
  return item.drill ? DRILL_MARK : '';
}

/**
 * `text` starting with {@link DRILL_MARK} when its heading is about a drill item: a message naming a drill item in its
 * first line — or in the second, under a bare title like `【逾期未确认】` — (`✅ 已确认 【演练】指挥部令…`) has that mark moved to the start (`【演练】✅ 已确认 指挥部令…`; marks further
 * down stay). Any other text is returned as it is — a message naming drill items only further down (an answer about a
 * real directive that lists a drill one still open, a reminder bundling a drill item with real ones) keeps the marks
 * beside the drill items only, so nothing real reads as a drill. Pure.
 */
export function drillFirst(text: string): string {
  const at = text.indexOf(DRILL_MARK);
  if (at <= 0) return text;
  // the heading: the first line, or the first two when the first is a bare title (`【逾期未确认】`)
  const lines = text.split('\n');
  const headingLines = /^【[^】]*】$/.test(lines[0]!) ? 2 : 1;
  const headingEnd = lines.slice(0, headingLines).join('\n').length;
  if (at < headingEnd) return DRILL_MARK + text.slice(0, at) + text.slice(at + DRILL_MARK.length);
  return text;
}
