/**
 * The daily cut-off (`ERRAND_CUTOFF` in `TIMEZONE`, fired by src/jobs/errand-cutoff.ts): each township
 * room gets one purchase list of its open orders due by today (outbox key `errand-list-<township>-<day>`,
 * so it goes out once per township per day even when two processes fire), and the orders listed at an
 * earlier cut-off and still not delivered are listed to the room once, folded in one message
 * (`errand-overdue-<township>-<day>`).
 */
import { mapInOrder } from '../../src/core/in-order.js';
import type { CoreDeps } from '../../src/core/deps.js';
import { overdueErrands, unlistedErrands, updateErrand } from '../../src/db/queries/errands.js';
import { getUnit } from '../../src/db/queries/roster.js';
import type { Errand } from '../../src/db/schema/index.js';
import { dayKey, dayLabel, errandNumber } from './number.js';
import { purchaseListText } from './list.js';
import { auditStep, gridLabel, itemsLine, maskedAddress, post, roomOf } from './relay.js';
import { publicBase } from '../reports/link.js';

/** What one cut-off did: the lists posted (township id → orders) and the orders listed as overdue. */
export interface CutoffResult {
  day: number;
  lists: Record<string, number>;
  overdue: number;
}

function byTownship(orders: readonly Errand[]): Map<string, Errand[]> {
  const m = new Map<string, Errand[]>();
  for (const o of orders) (m.get(o.townshipId) ?? m.set(o.townshipId, []).get(o.townshipId)!).push(o);
  return m;
}

/**
 * Runs the cut-off of the day of `at` (default now), in the caller's write transaction: marks every open
 * order due on a list by today as listed on today's, posts each township's list to its room, and lists
 * once the orders of earlier lists not yet delivered. A township without a room still has its orders
 * listed (the county reads them in the export). Running it twice on a day posts nothing more.
 */
export async function runCutoff(deps: CoreDeps, at: Date = deps.now()): Promise<CutoffResult> {
  const tz = deps.config.TIMEZONE;
  const day = dayKey(at, tz);
  const result: CutoffResult = { day, lists: {}, overdue: 0 };

  // orders not delivered since an earlier list: once, folded per township
  for (const [townshipId, orders] of byTownship(await overdueErrands(deps.db, day))) {
    const room = await roomOf(deps, { townshipId });
    if (room) {
      const lines = [
        `【红色代办 逾期未送达】以下${orders.length}单已过一个截单时间仍未送达，请督促送达后回复 /代办 送达 <号>：`,
        ...(await mapInOrder(orders, async (o) => `代办 ${errandNumber(o)}｜${await gridLabel(deps, o)}｜${itemsLine(o, { open: true })}${o.address ? `｜${maskedAddress(o)}` : ''}｜${o.state === 'bought' ? '已采购' : `${dayLabel(o.listedDay!)}清单，未采购`}`)),
      ];
      await post(deps, { conversationId: room.conversationId, text: lines.join('\n'), dedupKey: `errand-overdue-${townshipId}-${day}`, lane: 'digest' });
    }
    for (const o of orders) {
      const u = await updateErrand(deps.db, o.id, ['listed', 'bought'], { overdueAt: at });
      if (u) await auditStep(deps, u, 'overdue', 'system', null, at, { day });
    }
    result.overdue += orders.length;
  }

  // today's lists
  for (const [townshipId, orders] of byTownship(await unlistedErrands(deps.db, day))) {
    const listed = (await mapInOrder(orders, async (o) => await updateErrand(deps.db, o.id, ['open'], { state: 'listed', listedDay: day, listedAt: at }))).filter((o): o is Errand => o !== undefined);
    // an order whose every item was met in the village is settled, never open: nothing of it is summed
    const withOpen = listed.filter((o) => o.items.some((i) => !i.self));
    if (!withOpen.length) continue;
    const room = await roomOf(deps, { townshipId });
    if (room) {
      const name = (await getUnit(deps.db, townshipId))?.name ?? townshipId;
      await post(deps, { conversationId: room.conversationId, text: purchaseListText(name, day, withOpen, publicBase(deps.config)), dedupKey: `errand-list-${townshipId}-${day}`, lane: 'digest' });
    }
    for (const o of listed) await auditStep(deps, o, 'list', 'system', null, at, { day });
    result.lists[townshipId] = withOpen.length;
  }
  return result;
}
