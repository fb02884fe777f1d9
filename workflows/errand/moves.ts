/**
 * After the list: `/代办 采购` by a township officer in its room marks one order or a day's list bought
 * (the grids are told, one message per grid group); `/代办 送达 <号>` in the grid group marks a household's
 * order delivered, with pictures in the message or right after it as evidence (as for tasks).
 */
import { mapInOrder } from '../../src/core/in-order.js';
import type { CoreDeps } from '../../src/core/deps.js';
import { Refusal } from '../../src/core/errors.js';
import { PICTURE_FOLLOW_UP_MS } from '../../src/core/follow-up.js';
import type { Attachment } from '../../src/core/message.js';
import { errandsListedOn, latestDeliveredBy, updateErrand } from '../../src/db/queries/errands.js';
import { messagesBetween } from '../../src/db/queries/inbound.js';
import { groupOfUnit } from '../../src/db/queries/roster.js';
import type { Errand, Member } from '../../src/db/schema/index.js';
import { dayLabel, errandNumber, errandRefWord, dayKey } from './number.js';
import { auditStep, itemsLine, post } from './relay.js';

/**
 * Marks orders bought: one order (`ref`), or every listed order of the township's list of `day`.
 * @returns the orders marked.
 * @throws Refusal when the order is another township's, not on a list, or the day's list has nothing to buy.
 */
export async function markBought(
  deps: CoreDeps,
  input: { townshipId: string; errand?: Errand; day?: number; sender: Member; inboundId: number; at?: Date | undefined },
): Promise<Errand[]> {
  const at = input.at ?? deps.now();
  let targets: Errand[];
  if (input.errand) {
    const e = input.errand;
    if (e.townshipId !== input.townshipId) throw new Refusal(`代办 ${errandNumber(e)} 不是本乡镇的。`);
    if (e.state !== 'listed') throw new Refusal(`代办 ${errandNumber(e)} ${e.state === 'open' ? '还未列入采购清单' : e.state === 'settled' ? '已自给' : e.state === 'bought' ? '已标记采购' : '已送达'}。`);
    targets = [e];
  } else {
    const all = await errandsListedOn(deps.db, input.townshipId, input.day!);
    if (!all.length) throw new Refusal(`本乡镇${dayLabel(input.day!)}没有采购清单。`);
    targets = all.filter((e) => e.state === 'listed');
    if (!targets.length) throw new Refusal(`${dayLabel(input.day!)}采购清单已全部标记采购。`);
  }
  const done = (await mapInOrder(targets, async (e) => await updateErrand(deps.db, e.id, ['listed'], { state: 'bought', boughtAt: at, boughtBy: input.sender.id }))).filter((e): e is Errand => e !== undefined);
  const today = dayKey(at, deps.config.TIMEZONE);
  const byGrid = new Map<string, Errand[]>();
  for (const e of done) {
    await auditStep(deps, e, 'buy', input.sender.id, input.inboundId, at);
    (byGrid.get(e.gridId) ?? byGrid.set(e.gridId, []).get(e.gridId)!).push(e);
  }
  for (const [gridId, list] of byGrid) {
    const g = await groupOfUnit(deps.db, gridId);
    if (!g) continue;
    const lines = [`【红色代办】乡镇已采购以下${list.length}单，请送达后回复 /代办 送达 <号>（可附图片）：`, ...list.map((e) => `代办 ${errandRefWord(e, today)}：${itemsLine(e, { open: true })}`)];
    await post(deps, { conversationId: g.conversationId, text: lines.join('\n'), dedupKey: `errand-bought-${gridId}-${input.inboundId}` });
  }
  return done;
}

/**
 * Marks an order delivered, from its grid's group, with the message's pictures as evidence.
 * @throws Refusal when the order is another grid's, already delivered, or settled inside the village.
 */
export async function markDelivered(
  deps: CoreDeps,
  input: { errand: Errand; gridId: string; sender: Member; attachments: Attachment[]; inboundId: number; at?: Date | undefined },
): Promise<Errand> {
  const e = input.errand;
  const at = input.at ?? deps.now();
  if (e.gridId !== input.gridId) throw new Refusal(`代办 ${errandNumber(e)} 不是本网格的。`);
  if (e.state === 'delivered') throw new Refusal(`代办 ${errandNumber(e)} 已送达。`);
  if (e.state === 'settled') throw new Refusal(`代办 ${errandNumber(e)} 已全部自给，无需送达。`);
  const hours = Math.round(((at.getTime() - e.orderedAt.getTime()) / 3_600_000) * 100) / 100;
  const updated = (await updateErrand(deps.db, e.id, ['open', 'listed', 'bought'], {
    state: 'delivered',
    deliveredAt: at,
    deliveredBy: input.sender.id,
    deliveryInboundId: input.inboundId,
    deliveryAttachments: input.attachments,
    hoursToDeliver: hours,
    }))!;
  await auditStep(deps, updated, 'deliver', input.sender.id, input.inboundId, at, { pictures: input.attachments.length, hours });
  return updated;
}

/**
 * Adds a picture-only message to the order the sender marked delivered in this group, when it is their
 * next message there within `PICTURE_FOLLOW_UP_MS`. @returns the order and its picture count, or null.
 */
export async function attachDeliveryPicture(
  deps: CoreDeps,
  input: { sender: Member; conversationId: string; attachments: Attachment[]; inboundId: number; at?: Date | undefined },
): Promise<{ errand: Errand; pictures: number } | null> {
  const at = input.at ?? deps.now();
  const e = await latestDeliveredBy(deps.db, input.sender.id, input.conversationId, new Date(at.getTime() - PICTURE_FOLLOW_UP_MS));
  if (!e || e.deliveryInboundId === null) return null;
  if (await messagesBetween(deps.db, input.sender.id, input.conversationId, e.deliveryInboundId, input.inboundId) > 0) return null;
  const updated = (await updateErrand(deps.db, e.id, ['delivered'], { deliveryAttachments: [...e.deliveryAttachments, ...input.attachments] }))!;
  await auditStep(deps, updated, 'picture', input.sender.id, input.inboundId, at, { pictures: input.attachments.length });
  return { errand: updated, pictures: updated.deliveryAttachments.length };
}
