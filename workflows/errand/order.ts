/**
 * A household's order (`/代办 <物品数量…>` in a grid group): numbered for the day, assigned to a cut-off's
 * list (today's before `ERRAND_CUTOFF`, else tomorrow's), stored with the address and phone as written
 * (masked in every message), and answered; and `/代办 自给`: items met inside the village.
 */
import type { CoreDeps } from '../../src/core/deps.js';
import { Refusal } from '../../src/core/errors.js';
import { insertErrand, nextErrandNumber, updateErrand } from '../../src/db/queries/errands.js';
import type { Errand, Member, Unit } from '../../src/db/schema/index.js';
import type { ErrandOrder } from './fields.js';
import { dayKey, dayLabel, errandNumber, listDayOf } from './number.js';
import { auditStep } from './relay.js';

export interface OrderInput {
  order: ErrandOrder;
  sender: Member;
  /** The grid whose group it was sent in. */
  grid: Pick<Unit, 'id' | 'townshipId'>;
  conversationId: string;
  inboundId: number;
  /** When it was sent (`ctx.receivedAt`); default now. */
  at?: Date | undefined;
}

export interface OrderResult {
  errand: Errand;
  /** The day key of the cut-off whose list it is on, and whether that is the next day's (ordered after the cut-off). */
  listDay: number;
  late: boolean;
}

/**
 * Records an order: the next number of the day (counter `errand`, in `TIMEZONE`), the list it belongs to
 * (`listDayOf`), the audit entry. Nothing is posted but the answer.
 * @throws Refusal when the order holds no item.
 */
export async function placeOrder(deps: CoreDeps, input: OrderInput): Promise<OrderResult> {
  const { db, config } = deps;
  const at = input.at ?? deps.now();
  if (input.order.items.length === 0) throw new Refusal('没有写物品：请写明物品和数量，如 /代办 大米10斤 酱油1瓶 地址:…');
  const day = dayKey(at, config.TIMEZONE);
  const { day: listDay, late } = listDayOf(at, config.ERRAND_CUTOFF, config.TIMEZONE);
  const errand = await insertErrand(db, {
    day,
      number: await nextErrandNumber(db, day),
    listDay,
    gridId: input.grid.id,
    townshipId: input.grid.townshipId ?? input.grid.id,
    orderedBy: input.sender.id,
    orderedIn: input.conversationId,
    orderedAt: at,
    sourceInboundId: input.inboundId,
    items: input.order.items,
    address: input.order.address,
    phone: input.order.phone,
    deliveryAttachments: [],
  });
  await auditStep(deps, errand, 'order', input.sender.id, input.inboundId, at, { items: errand.items.length, listDay, late });
  return { errand, listDay, late };
}

/**
 * `/代办 自给 <号> [物品]`: marks the named items (all when none is named) as met inside the village; the
 * rest stays open. An order with every item met is settled (已自给) and goes on no list.
 * @throws Refusal when the order is of another grid, already on a list, or names no item of it.
 */
export async function settleSelf(
  deps: CoreDeps,
  input: { errand: Errand; names: readonly string[]; gridId: string; sender: Member; inboundId: number; at?: Date | undefined },
): Promise<{ errand: Errand; marked: string[] }> {
  const e = input.errand;
  const at = input.at ?? deps.now();
  if (e.gridId !== input.gridId) throw new Refusal(`代办 ${errandNumber(e)} 不是本网格的。`);
  if (e.state !== 'open') throw new Refusal(`代办 ${errandNumber(e)} 已${e.listedDay ? `列入${dayLabel(e.listedDay)}采购清单` : '办结'}，不能再改为自给。`);
  const wanted = input.names.length ? input.names : e.items.filter((i) => !i.self).map((i) => i.name);
  const marked: string[] = [];
  const items = e.items.map((i) => {
    if (i.self) return i;
    const hit = wanted.some((w) => w === i.name || w === i.raw || i.raw.startsWith(w));
    if (hit) marked.push(i.raw);
    return hit ? { ...i, self: true } : i;
  });
  if (!marked.length) throw new Refusal(`代办 ${errandNumber(e)} 没有「${input.names.join('、')}」。其物品：${e.items.filter((i) => !i.self).map((i) => i.raw).join('、') || '（均已自给）'}`);
  const settled = items.every((i) => i.self);
  const updated = (await updateErrand(deps.db, e.id, ['open'], { items, ...(settled ? { state: 'settled' as const } : {}) }))!;
  await auditStep(deps, updated, 'self', input.sender.id, input.inboundId, at, { marked });
  return { errand: updated, marked };
}
