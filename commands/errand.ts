import { defineCommand } from '../src/core/command.js';
import { Refusal, UsageError } from '../src/core/errors.js';
import { GRID_ROLES, mayBuyErrand, mayErrand } from '../src/core/permissions.js';
import { latestListDay, unlistedErrands } from '../src/db/queries/errands.js';
import { clipMasked } from '../src/core/text.js';
import {
  attachDeliveryPicture,
  dayKey,
  dayLabel,
  ERRAND_USAGE,
  errandNumber,
  errandRefWord,
  listDayOf,
  markBought,
  markDelivered,
  maskedAddress,
  maskedPhone,
  nextDay,
  parseErrandArgs,
  placeOrder,
  purchaseListText,
  resolveErrand,
  settleSelf,
  type ErrandArgs,
} from '../workflows/errand/index.js';
import { checkLength, MAX_CHARS } from './limits.js';

/**
 * `/代办` `/errand` (红色代办): in a grid group, a household's order, `自给` and `送达`; in a township room,
 * `采购` and `/代办` alone (the next list so far). Who may: `mayErrand` (PRODUCT.md §2.5 "errand orders");
 * the order acted on: its own grid's (`settleSelf`, `markDelivered`) or its own township's (`mayBuyErrand`).
 */
export default defineCommand<ErrandArgs>({
  name: 'errand',
  words: ['/代办', '/errand'],
  usage: ERRAND_USAGE,
  summary: '红色代办：登记居民代购需求，截单后汇总为乡镇采购清单；自给、采购、送达',
  allow: [...GRID_ROLES, 'township_officer'],
  where: ['grid', 'township'],
  policy: mayErrand,
  parse(args) {
    checkLength(args.trim(), '代办内容', MAX_CHARS.lead);
    try {
      return parseErrandArgs(args);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  },
  async run(ctx, input) {
    const { deps } = ctx;
    const tz = deps.config.TIMEZONE;
    const at = ctx.receivedAt;
    const today = dayKey(at, tz);
    const base = { sender: ctx.sender, inboundId: ctx.message.inboundId, at };
    if (ctx.tier === 'township') {
      if (input.kind === 'list') {
        const orders = (await unlistedErrands(deps.db, nextDay(today, tz), ctx.groupUnit.id)).filter((o) => o.items.some((i) => !i.self));
        const next = listDayOf(at, deps.config.ERRAND_CUTOFF, tz).day;
        if (!orders.length) return { text: `本乡镇暂无待汇总的代办（下次截单 ${dayLabel(next)} ${deps.config.ERRAND_CUTOFF}）。` };
        return { text: `截至目前（${dayLabel(next)} ${deps.config.ERRAND_CUTOFF} 截单）：\n${purchaseListText(ctx.groupUnit.name, next, orders).split('\n').slice(1, -2).join('\n')}` };
      }
      if (input.kind !== 'buy') throw new UsageError('乡镇指挥室只办理采购：/代办 采购 [日期|号]；登记、自给、送达请在网格群');
      if ('ref' in input) {
        const errand = await resolveErrand(deps, input.ref);
        if (!mayBuyErrand({ tier: ctx.tier, unit: ctx.groupUnit }, errand)) throw new Refusal(`代办 ${errandNumber(errand)} 不是本乡镇的。`);
        await markBought(deps, { townshipId: ctx.groupUnit.id, errand, ...base });
        return { text: `✅ 代办 ${errandNumber(errand)} 已标记采购，已告知网格送达。` };
      }
      let day: number;
      if (input.day === 'latest') {
        const d = await latestListDay(deps.db, ctx.groupUnit.id);
        if (d === null) throw new Refusal('本乡镇还没有待采购的清单。');
        day = d;
      } else if (input.day === 'today') day = today;
      else if (input.day === 'yesterday') day = nextDay(today, tz, -1);
      else day = input.day < 10000 ? Math.floor(today / 10000) * 10000 + input.day : input.day;
      const done = await markBought(deps, { townshipId: ctx.groupUnit.id, day, ...base });
      return { text: `✅ ${dayLabel(day)}采购清单已标记采购（${done.length}单，${new Set(done.map((e) => e.gridId)).size}个网格），已告知各网格送达。` };
    }
    switch (input.kind) {
      case 'list':
        throw new UsageError(`请写明物品和数量，如 /代办 大米10斤 酱油1瓶 地址:王家边3组12号`);
      case 'buy':
        throw new UsageError('采购由乡镇指挥室标记（/代办 采购）；本群可登记、自给、送达');
      case 'order': {
        const r = await placeOrder(deps, { order: input.order, grid: ctx.groupUnit, conversationId: ctx.group.conversationId, ...base });
        const e = r.errand;
        const lines = [`✅ 已登记 代办 ${errandNumber(e)}：${e.items.filter((i) => i.qty !== null).map((i) => i.raw).join('、') || '（无可识别物品）'}`];
        const who = [maskedAddress(e) && `地址：${maskedAddress(e)}`, maskedPhone(e) && `电话：${maskedPhone(e)}`].filter(Boolean);
        if (who.length) lines.push(who.join('　'));
        if (input.order.notUnderstood.length) lines.push(`未识别：${input.order.notUnderstood.map((w) => `「${clipMasked(w)}」`).join('、')}（已按原文记录，请写成 物品+数量+单位，如 大米10斤、酱油两瓶）`);
        lines.push(r.late ? `已过今日截单时间（${deps.config.ERRAND_CUTOFF}），列入明天（${dayLabel(r.listDay)}）的采购清单。` : `将于今天 ${deps.config.ERRAND_CUTOFF} 截单汇总到乡镇采购清单。`);
        lines.push(`村内能解决的请回复 /代办 自给 ${errandRefWord(e, today)} [物品]；送达后 /代办 送达 ${errandRefWord(e, today)}（可附图片）`);
        return { text: lines.join('\n') };
      }
      case 'self': {
        const errand = await resolveErrand(deps, input.ref);
        const r = await settleSelf(deps, { errand, names: input.names, gridId: ctx.groupUnit.id, ...base });
        const open = r.errand.items.filter((i) => !i.self).map((i) => i.raw);
        return { text: `✅ 代办 ${errandNumber(r.errand)} 自给：${r.marked.join('、')}。${open.length ? `其余待采购：${open.join('、')}` : '已全部自给，不列入采购清单。'}` };
      }
      case 'deliver': {
        const errand = await resolveErrand(deps, input.ref);
        const attachments = ctx.message.attachments ?? [];
        const e = await markDelivered(deps, { errand, gridId: ctx.groupUnit.id, attachments, ...base });
        return { text: `✅ 代办 ${errandNumber(e)} 已送达。${attachments.length ? `附图${attachments.length}张。` : '如有照片，请紧接着发到本群。'}` };
      }
    }
  },
  async followUp(ctx, attachments) {
    if (ctx.tier !== 'grid') return null;
    const r = await attachDeliveryPicture(ctx.deps, { sender: ctx.sender, conversationId: ctx.group.conversationId, attachments, inboundId: ctx.message.inboundId, at: ctx.receivedAt });
    return r ? { text: `已将照片附到代办 ${errandNumber(r.errand)}（共${r.pictures}张）。` } : null;
  },
});
