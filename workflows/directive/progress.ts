/**
 * `/进度`: how far a directive or notice has got, for the tier of the group asking — acknowledgements of
 * the current revision against the target snapshot (or, for an item without receipt, delivery and reads),
 * the silent units, and its history. Read-only.
 */
import type { Tier } from '../../src/core/command.js';
import type { CoreDeps } from '../../src/core/deps.js';
import { percent } from '../../src/core/percent.js';
import { getAck, relayStatusByConversation, targetsWithAcks } from '../../src/db/queries/directives.js';
import { getUnit, townships } from '../../src/db/queries/roster.js';
import type { Directive, Unit } from '../../src/db/schema/index.js';
import { clockFrom, clockIn, yearIn } from '../../src/time/clock.js';
import { historyLines } from './amend.js';
import { chasedBy, lastChase } from './chase.js';
import { formatNumber } from './format.js';
import { compactGridNames } from './ladder.js';
import { readByUnit, tracksReads, unreadNames } from './receipts.js';
import { refWord, resolveRef, type DirectiveRef } from './ref.js';
import type { RefViewer } from './series.js';

/**
 * Finds a directive or notice by reference, for reading: of the year written (this year in `TIMEZONE`
 * when none is), and a bare number shared by a directive and a notice is the directive. A notice is looked
 * for in the series the reference names, else in those of where it is asked (see {@link noticeSeries}: a
 * township room means its own notices first).
 * @param viewer the group it is asked in; without it, the county's series only
 * @throws Refusal naming the reference when none exists (for last year's item written without its year,
 *   saying how to write it; for a township's notice written without the township, naming it), or when the
 *   name before 通告 is no township.
 */
export async function resolve(deps: CoreDeps, ref: DirectiveRef, viewer?: RefViewer): Promise<Directive> {
  return await resolveRef(deps, ref, '/进度', viewer);
}

/** A stored scope label as shown back: at most 50 characters (it is the issuer's own words). */
const scopeLabel = (scope: string) => (scope.length > 50 ? `${scope.slice(0, 49)}…` : scope);

/** Up to this many undelivered or unread groups are named in the view of an item without receipt. */
const DELIVERY_NAMES_SHOWN = 10;

/**
 * `/进度` of an item that asks no receipt (`回执:否`): nobody is expected to reply, so it shows how far it
 * went — groups delivered (relay sent), still sending, not reachable — and, where the platform reports
 * reads, the groups (units) with a reader; never an acknowledgement rate. County: all targets, per
 * township when reads are known; township: its own grids; grid: itself (and its members' reads).
 */
async function deliveryLines(deps: CoreDeps, d: Directive, viewer: { tier: Tier; unit: Unit }, rows: Awaited<ReturnType<typeof targetsWithAcks>>, version: string): Promise<string[]> {
  const head = `${formatNumber(d)} 送达情况（无需回执）${version}${d.status === 'revoked' ? '（已撤回）' : ''}${d.scope ? `\n范围：${scopeLabel(d.scope)}` : ''}`;
  const status = await relayStatusByConversation(deps.db, d.id);
  const reads = tracksReads(deps) ? await readByUnit(deps, d.id) : null;
  const hasReader = (r: (typeof rows)[number]) => (reads?.get(r.unitId)?.readers.length ?? 0) > 0;
  const word = (r: (typeof rows)[number]) => ({ sent: '已送达', failed: '未能送达', pending: '发送中' })[status.get(r.conversationId) ?? 'pending'];
  if (viewer.tier === 'grid' || (viewer.tier === 'township' && !rows.some((r) => r.townshipId === viewer.unit.id))) {
    const own = rows.find((r) => r.unitId === viewer.unit.id);
    if (!own) return [head, `${formatNumber(d)}未发给${viewer.unit.name}。`];
    const lines = [head, `${viewer.unit.name}：${word(own)}`];
    const read = reads?.get(own.unitId);
    if (read) {
      const unread = await unreadNames(deps, own.unitId, read.readers);
      const shown = unread.slice(0, UNREAD_NAMES_SHOWN).join('、');
      lines.push(`已读 ${read.readers.length}/${read.members} 人${unread.length ? `；未读：${shown}${unread.length > UNREAD_NAMES_SHOWN ? ` 等${unread.length}人` : ''}` : ''}`);
    }
    return lines;
  }
  const scoped = viewer.tier === 'township' ? rows.filter((r) => r.townshipId === viewer.unit.id) : rows;
  const count = (s: string) => scoped.filter((r) => (status.get(r.conversationId) ?? 'pending') === s).length;
  const sending = count('pending');
  const lines = [head, `已送达：${count('sent')}/${scoped.length} 个群${sending ? `，发送中 ${sending}` : ''}`];
  const names = (xs: typeof rows) => `${xs.slice(0, DELIVERY_NAMES_SHOWN).map((r) => r.unitName).join('、')}${xs.length > DELIVERY_NAMES_SHOWN ? ` 等${xs.length}个` : ''}`;
  const failed = scoped.filter((r) => status.get(r.conversationId) === 'failed');
  if (failed.length) lines.push(`未能送达（${failed.length}）：${names(failed)}`);
  if (reads) {
    lines.push(`已读：${scoped.filter(hasReader).length}/${scoped.length} 个群（群内有人已读）`);
    if (viewer.tier === 'county') {
      const tname = new Map((await townships(deps.db)).map((t) => [t.id, t.name]));
      const byTownship = new Map<string, typeof rows>();
      for (const r of scoped) byTownship.set(r.townshipId, [...(byTownship.get(r.townshipId) ?? []), r]);
      for (const [tid, xs] of byTownship) lines.push(`· ${tname.get(tid) ?? tid} 已读 ${xs.filter(hasReader).length}/${xs.length}`);
    } else {
      const unread = scoped.filter((r) => !hasReader(r));
      if (unread.length) lines.push(`未读（${unread.length}）：${names(unread)}`);
    }
  }
  return lines;
}

/** Up to this many silent grids, all are named; beyond it the county view names a few per township. */
const NAME_ALL_UP_TO = 60;
const NAMES_PER_TOWNSHIP_WHEN_MANY = 5;
/** A grid's own /进度 names at most this many members who have not read it. */
const UNREAD_NAMES_SHOWN = 10;

/**
 * Progress of one directive for a viewer's tier, as a phone-sized text:
 * county → per township and the silent units; township → its own room and grids; grid → itself.
 * Counts are of acknowledgements of the current revision, against the target snapshot taken at issue.
 * Where the platform reports reads, read figures stand beside them (county: units with a reader, per
 * township and overall; township: grids with a reader, silent grids nobody read marked （未读）; grid: members
 * who read, and who has not — the unit's roster minus readers). When it was last chased (`/催办`; in a township room, a
 * chase that covered it) and the history (issue, amendments, revocation, and for the county the ladder steps and chases) follow.
 */
export async function progressText(deps: CoreDeps, d: Directive, viewer: { tier: Tier; unit: Unit }): Promise<string> {
  const rows = await targetsWithAcks(deps.db, d.id, d.revision);
  const tz = deps.config.TIMEZONE;
  const version = d.revision > 1 ? `（更正后第${d.revision}版）` : '';
  const history = await historyLines(deps, d, viewer.tier);
  if (!d.ackRequired) return [...await deliveryLines(deps, d, viewer, rows, version), ...history].join('\n');
  const head = `${formatNumber(d)} 确认进度${version}${d.status === 'revoked' ? '（已撤回）' : ''}${d.scope ? `\n范围：${scopeLabel(d.scope)}` : ''}`;
  if (viewer.tier === 'grid' || (viewer.tier === 'township' && !rows.some((r) => r.townshipId === viewer.unit.id))) {
    const own = rows.find((r) => r.unitId === viewer.unit.id);
    if (!own) return `${head}\n${formatNumber(d)}未发给${viewer.unit.name}。`;
    let status = own.ackAt ? `已确认（${clockIn(own.ackAt, tz)}${own.late ? '，逾期' : ''}）` : d.ackRequired ? '未确认' : '无需回执';
    if (!own.ackAt && d.revision > 1 && await getAck(deps.db, d.id, own.unitId, d.revision - 1)) status = '已确认上一版，更正后尚未重新确认';
    const lines = [head, `${viewer.unit.name}：${status}`];
    const read = tracksReads(deps) ? (await readByUnit(deps, d.id)).get(own.unitId) : undefined;
    if (read) {
      const unread = await unreadNames(deps, own.unitId, read.readers);
      const shown = unread.slice(0, UNREAD_NAMES_SHOWN).join('、');
      lines.push(`已读 ${read.readers.length}/${read.members} 人${unread.length ? `；未读：${shown}${unread.length > UNREAD_NAMES_SHOWN ? ` 等${unread.length}人` : ''}` : ''}`);
    }
    return [...lines, ...history].join('\n');
  }
  const scoped = viewer.tier === 'township' ? rows.filter((r) => r.townshipId === viewer.unit.id) : rows;
  const grids = scoped.filter((r) => r.unitKind === 'grid');
  const rooms = scoped.filter((r) => r.unitKind === 'township');
  const acked = (xs: typeof rows) => xs.filter((r) => r.ackAt !== null).length;
  // read figures (platforms that report reads): a unit counts as read once any of its members has read a relay
  const reads = tracksReads(deps) ? await readByUnit(deps, d.id) : null;
  const readUnits = (xs: typeof rows) => xs.filter((r) => (reads?.get(r.unitId)?.readers.length ?? 0) > 0).length;
  const readNote = (xs: typeof rows) => (reads ? `，已读 ${readUnits(xs)}/${xs.length}` : '');
  const lateCount = scoped.filter((r) => r.ackAt !== null && r.late).length;
  const lines = [head, `网格：${acked(grids)}/${grids.length}（${percent(acked(grids), grids.length)}）${lateCount ? `，逾期确认 ${lateCount}` : ''}`];
  if (viewer.tier === 'county') {
    lines.push(`乡镇指挥室：${acked(rooms)}/${rooms.length}`);
    lines.push(`合计响应率：${acked(scoped)}/${scoped.length}（${percent(acked(scoped), scoped.length)}）`);
    if (reads) lines.push(`合计已读：${readUnits(scoped)}/${scoped.length}（${percent(readUnits(scoped), scoped.length)}，单位内有人已读）`);
    lines.push('各乡镇网格确认：');
    const names = new Map((await townships(deps.db)).map((t) => [t.id, t.name]));
    const byTownship = new Map<string, typeof rows>();
    for (const g of grids) byTownship.set(g.townshipId, [...(byTownship.get(g.townshipId) ?? []), g]);
    for (const [tid, gs] of byTownship) {
      const room = rooms.find((r) => r.unitId === tid);
      lines.push(`· ${names.get(tid) ?? tid} ${acked(gs)}/${gs.length}${readNote(gs)}${room && !room.ackAt ? '（指挥室未确认）' : ''}`);
    }
  } else {
    if (reads) lines.push(`已读网格：${readUnits(grids)}/${grids.length}`);
    const room = rooms[0];
    if (room) lines.push(`本乡镇指挥室：${room.ackAt ? '已确认' : '未确认'}`);
  }
  const silent = grids.filter((r) => r.ackAt === null);
  // a revoked item asks nothing more of anyone: no list of silent grids
  if (d.status === 'revoked') return [...lines, ...history].join('\n');
  // when it was last chased (/催办): for a township room, a chase that covered it
  const chased = await lastChase(deps, d.id, viewer.tier === 'township' ? viewer.unit.id : undefined);
  const chasedLine = chased ? [`最近催办：${clockFrom(chased.at, deps.now(), tz)}（${await chasedBy(deps, chased)}，${chased.count ?? 0} 个网格）`] : [];
  if (silent.length === 0) {
    lines.push('未确认网格：无');
    return [...lines, ...chasedLine, ...history].join('\n');
  }
  lines.push(`未确认网格（${silent.length}）：`);
  const groupsBy = new Map<string, string[]>();
  // the township's full list marks silent grids where nobody has even read it
  const unreadMark = (r: (typeof rows)[number]) => (reads && viewer.tier === 'township' && !reads.get(r.unitId)?.readers.length ? '（未读）' : '');
  for (const s of silent) groupsBy.set(s.townshipId, [...(groupsBy.get(s.townshipId) ?? []), `${s.unitName}${unreadMark(s)}`]);
  const tname = async (id: string) => (await getUnit(deps.db, id))?.name ?? id;
  const cap = silent.length <= NAME_ALL_UP_TO || viewer.tier === 'township' ? Infinity : NAMES_PER_TOWNSHIP_WHEN_MANY;
  for (const [tid, names] of groupsBy) {
    const shown = names.slice(0, cap).join('、');
    const more = names.length > cap ? ` 等${names.length}个` : '';
    lines.push(viewer.tier === 'county' ? `· ${await tname(tid)}：${shown}${more}` : `· ${shown}${more}`);
  }
  if (cap !== Infinity) lines.push(`完整名单：/进度 ${refWord(d, yearIn(deps.now(), tz))} 全部`);
  return [...lines, ...chasedLine, ...history].join('\n');
}

/** A phone-sized message: at most this many characters (a long list is split into pieces of this size). */
export const PIECE_CHARS = 600;

/** Unit ids in the roster's natural order (`…-G2` before `…-G10`), so a village's grids fold in order. */
const naturalOrder = (a: { unitId: string }, b: { unitId: string }) => a.unitId.localeCompare(b.unitId, 'en', { numeric: true });

/**
 * Packs list lines into phone-sized pieces of at most {@link PIECE_CHARS} characters: the first piece starts
 * with `head` (its first line gets `（1/n）` when there are several pieces), the others with `title（k/n）`.
 * A line that does not fit goes to the next piece; one longer than a piece is cut at its `；` (between
 * villages), filling the current piece first, and continued as `cont` + the rest.
 * @param lines each `{ text, cont }`: `cont` prefixes a continuation of a cut line (e.g. `· 清溪街道（续）：`)
 */
export function packPieces(head: string[], title: string, lines: { text: string; cont: string }[], size = PIECE_CHARS): string[] {
  const room = size - title.length - 12; // the header line with `（k/n）` and line breaks
  const pieces: string[][] = [[...head]];
  const last = () => pieces[pieces.length - 1]!;
  const fits = (line: string) => [...last(), line].join('\n').length <= room;
  for (const { text, cont } of lines) {
    if (fits(text)) last().push(text);
    else if (text.length <= room) pieces.push([text]);
    else {
      // longer than a piece: cut between villages, filling the current piece first
      let line = '';
      for (const [i, part] of text.split('；').entries()) {
        const start = i === 0 ? part : `${cont}${part}`;
        const next = line ? `${line}；${part}` : start;
        if (fits(next) || (!line && last().length === 0)) {
          line = next;
          continue;
        }
        if (line) last().push(line);
        pieces.push([]);
        line = start;
      }
      if (line) last().push(line);
    }
  }
  const n = pieces.length;
  if (n === 1) return [pieces[0]!.join('\n')];
  return pieces.map((p, k) => (k === 0 ? [`${p[0]}（1/${n}）`, ...p.slice(1)] : [`${title}（${k + 1}/${n}）`, ...p]).join('\n'));
}

/**
 * `/进度 N 全部` (or `未确认`): every unit still silent on the item's current revision, for the viewer's
 * tier — the command group: every township's silent grids and rooms; a township room: its own grids —
 * grids folded per village as the township lists are (`周家坞村第1、2网格`), a line per township, split into
 * phone-sized pieces ({@link packPieces}). An item without receipt, a revoked item, a grid group, or a
 * township the item did not reach: the ordinary {@link progressText}, one piece.
 * @returns the messages to post, in order (at least one)
 */
export async function silentListPieces(deps: CoreDeps, d: Directive, viewer: { tier: Tier; unit: Unit }): Promise<string[]> {
  const rows = await targetsWithAcks(deps.db, d.id, d.revision);
  const mine = viewer.tier === 'township' ? rows.filter((r) => r.townshipId === viewer.unit.id) : rows;
  if (!d.ackRequired || d.status === 'revoked' || viewer.tier === 'grid' || mine.length === 0) return [await progressText(deps, d, viewer)];
  const name = formatNumber(d);
  const grids = mine.filter((r) => r.unitKind === 'grid');
  const rooms = mine.filter((r) => r.unitKind === 'township');
  const silent = mine.filter((r) => r.ackAt === null).sort(naturalOrder);
  const silentGrids = silent.filter((r) => r.unitKind === 'grid');
  const silentRooms = new Set(silent.filter((r) => r.unitKind === 'township').map((r) => r.unitId));
  const counts = [`网格 ${silentGrids.length}/${grids.length} 未确认`];
  if (viewer.tier === 'county') counts.push(`乡镇指挥室 ${silentRooms.size}/${rooms.length} 未确认`);
  else if (silentRooms.size) counts.push('本乡镇指挥室未确认');
  const head = [`${name} 未确认名单`, counts.join('，')];
  if (silent.length === 0) return [[...head, '全部已确认。'].join('\n')];
  const lines: { text: string; cont: string }[] = [];
  if (viewer.tier === 'county') {
    const tname = new Map((await townships(deps.db)).map((t) => [t.id, t.name]));
    const tids = [...new Set([...silentGrids.map((g) => g.townshipId), ...silentRooms])].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    for (const tid of tids) {
      const t = tname.get(tid) ?? tid;
      const gs = silentGrids.filter((g) => g.townshipId === tid).map((g) => g.unitName);
      const room = silentRooms.has(tid) ? '（指挥室未确认）' : '';
      lines.push({ text: gs.length ? `· ${t} ${gs.length} 个${room}：${compactGridNames(gs)}` : `· ${t}${room}`, cont: `· ${t}（续）：` });
    }
  } else {
    lines.push({ text: compactGridNames(silentGrids.map((g) => g.unitName)), cont: '' });
  }
  return packPieces(head, `${name} 未确认名单`, lines);
}
