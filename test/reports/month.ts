/**
 * A generated month of activity for the fixture county, written through the query layer with a seeded
 * RNG: ~1–2 items a day (county-wide or one township), acknowledgements with per-township
 * probabilities and delays (some late), one revoked item, one amended item (acknowledged at revision 1
 * and partly again at revision 2), one notice without receipt, a duplicate acknowledgement attempt, and
 * leads with acceptance and closure times. Returns the ground truth the reports must reproduce.
 */
import { writeTx, type Db } from '../../src/db/client.js';
import { insertAck, insertDirective, insertTargets, nextNumber, updateDirective } from '../../src/db/queries/directives.js';
import { insertLead, nextLeadNumber } from '../../src/db/queries/leads.js';
import { unitsWithGroups } from '../../src/db/queries/roster.js';
import { addDays, dayOf, startOfDay } from '../../workflows/reports/period.js';

/** mulberry32: a small seeded RNG in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One counted target of the truth: acknowledged (current revision) and on time. */
export interface TruthRow {
  directiveId: number;
  unitId: string;
  unitKind: string;
  townshipId: string;
  acknowledged: boolean;
  onTime: boolean;
  day: string;
}

export interface Month {
  first: string;
  last: string;
  /** Counted unit-items (revoked and no-receipt items left out). */
  truth: TruthRow[];
  revokedId: number;
  amendedId: number;
  noReceiptId: number;
  /** Item ids issued today (counted ones). */
  todayIds: number[];
  /** Lead minutes to acceptance / closure (null when not there). */
  leads: { townshipId: string; accept: number | null; close: number | null; day: string }[];
  /** Whether the duplicate acknowledgement was refused by the store. */
  duplicateStored: boolean;
  numbers: Map<number, { kind: 'directive' | 'notice'; number: number }>;
}

const TZ = 'Asia/Shanghai';
const MIN = 60_000;

/** Generates 30 days ending today (in Asia/Shanghai) of activity as of `now`. */
export async function generateMonth(db: Db, now: Date, seed = 20260208): Promise<Month> {
  const r = rng(seed);
  const today = dayOf(now, TZ);
  const first = addDays(today, -29);
  const all = await unitsWithGroups(db, ['township', 'grid']);
  const townships = all.filter((u) => u.kind === 'township');
  // per-township acknowledgement probability: a few laggards
  const pAck = new Map(townships.map((t, i) => [t.id, i % 5 === 4 ? 0.6 + r() * 0.1 : 0.88 + r() * 0.11]));
  const truth: TruthRow[] = [];
  const leads: Month['leads'] = [];
  const todayIds: number[] = [];
  const numbers = new Map<number, { kind: 'directive' | 'notice'; number: number }>();
  let revokedId = 0;
  let amendedId = 0;
  let noReceiptId = 0;
  let duplicateStored = true;
  const issuer = 'staff00001';

  await writeTx(db, async () => {
    let n = 0;
    for (let d = 0; d < 30; d++) {
      const day = addDays(first, d);
      const dayStart = startOfDay(day, TZ).getTime();
      const isToday = day === today;
      const count = isToday ? 2 : 1 + (r() < 0.3 ? 1 : 0);
      for (let k = 0; k < count; k++) {
        n++;
        let issuedAt = dayStart + (8 * 60 + Math.floor(r() * 600)) * MIN;
        if (issuedAt > now.getTime() - 60 * MIN) issuedAt = Math.max(dayStart + k * MIN, now.getTime() - (60 - k) * MIN);
        const kind = r() < 0.25 ? 'notice' : 'directive';
        const countyWide = n % 4 === 1;
        const township = townships[Math.floor(r() * townships.length)]!;
        const targets = countyWide ? all : all.filter((u) => (u.townshipId ?? u.id) === township.id);
        const special = n === 5 ? 'revoke' : n === 9 ? 'amend' : n === 13 ? 'no-receipt' : null;
        const deadline = issuedAt + 30 * MIN;
        const year = Number(day.slice(0, 4));
            const number = await nextNumber(db, kind, year);
            const dir = await insertDirective(db, {
          kind, year, number, text: `第${n}条 测试指令`, issuerId: issuer, issuedIn: 'cidQzAxLWNvbW1hbmQ', issuedAt: new Date(issuedAt),
          ackDeadline: special === 'no-receipt' ? null : new Date(deadline), ackRequired: special !== 'no-receipt',
          ackWindowMs: special === 'no-receipt' ? null : 30 * MIN, scope: countyWide ? null : township.name,
        });
        numbers.set(dir.id, { kind, number });
            await insertTargets(db, targets.map((u) => ({ directiveId: dir.id, unitId: u.id, unitKind: u.kind, unitName: u.name, townshipId: u.townshipId ?? u.id, conversationId: u.conversationId })));
        if (special === 'no-receipt') {
          noReceiptId = dir.id;
          continue;
        }
        // acknowledgements of revision 1
        const acked1 = new Map<string, { at: number; late: boolean }>();
        for (const u of targets) {
          if (r() >= pAck.get(u.townshipId ?? u.id)!) continue;
          const at = Math.min(issuedAt + Math.floor(-Math.log(1 - r()) * 20 * MIN), isToday ? now.getTime() - 1000 : Infinity);
          const late = at > deadline;
              await insertAck(db, { directiveId: dir.id, unitId: u.id, revision: 1, memberId: `m-${u.id}`, words: '收到', at: new Date(at), late });
          acked1.set(u.id, { at, late });
        }
        if (n === 2) {
          const u = [...acked1.keys()][0]!;
              duplicateStored = await insertAck(db, { directiveId: dir.id, unitId: u, revision: 1, memberId: 'dup', words: '收到', at: new Date(issuedAt + 50 * MIN), late: true });
        }
        if (special === 'revoke') {
              await updateDirective(db, dir.id, { status: 'revoked', revokedAt: new Date(issuedAt + 40 * MIN) });
          revokedId = dir.id;
          continue;
        }
        let current = acked1;
        if (special === 'amend') {
          amendedId = dir.id;
          const amendAt = issuedAt + 60 * MIN;
          const deadline2 = amendAt + 30 * MIN;
              await updateDirective(db, dir.id, { revision: 2, revisedAt: new Date(amendAt), ackDeadline: new Date(deadline2) });
          current = new Map();
          for (const u of targets) {
            if (!acked1.has(u.id) || r() < 0.3) continue; // about 70 % of the first round acknowledge again
            const at = amendAt + Math.floor(r() * 50 * MIN);
            const late = at > deadline2;
                await insertAck(db, { directiveId: dir.id, unitId: u.id, revision: 2, memberId: `m-${u.id}`, words: '收到', at: new Date(at), late });
            current.set(u.id, { at, late });
          }
        }
        if (isToday) todayIds.push(dir.id);
        for (const u of targets) {
          const a = current.get(u.id);
          truth.push({ directiveId: dir.id, unitId: u.id, unitKind: u.kind, townshipId: u.townshipId ?? u.id, acknowledged: !!a, onTime: !!a && !a.late, day });
        }
      }
      // leads: 0–3 a day
      const grids = all.filter((u) => u.kind === 'grid');
      const nLeads = Math.floor(r() * 4);
      for (let k = 0; k < nLeads; k++) {
        const g = grids[Math.floor(r() * grids.length)]!;
        let reportedAt = dayStart + (7 * 60 + Math.floor(r() * 720)) * MIN;
        if (reportedAt > now.getTime()) reportedAt = Math.max(dayStart, now.getTime() - 5 * MIN);
        const accept = r() < 0.85 ? Math.round(1 + -Math.log(1 - r()) * 8 * 60) / 60 : null; // minutes, second precision
        const close = accept !== null && r() < 0.7 ? accept + Math.round(r() * 600 * 60) / 60 : null;
        const dayKey = Number(dayOf(new Date(reportedAt), TZ).replace(/-/g, ''));
            await insertLead(db, {
                        day: dayKey, number: await nextLeadNumber(db, dayKey), text: '测试线索', dedupText: `测试线索${n}-${k}`, notUnderstood: [], attachments: [],
          reporterId: `m-${g.id}`, reportedIn: g.conversationId, unitId: g.id, townshipId: g.townshipId!, reportedAt: new Date(reportedAt),
          state: close !== null ? 'closed' : accept !== null ? 'accepted' : 'reported',
          acceptedAt: accept !== null ? new Date(reportedAt + accept * MIN) : null,
          closedAt: close !== null ? new Date(reportedAt + close * MIN) : null,
        });
        leads.push({ townshipId: g.townshipId!, accept, close, day: dayOf(new Date(reportedAt), TZ) });
      }
    }
  });
  return { first, last: today, truth, revokedId, amendedId, noReceiptId, todayIds, leads, duplicateStored, numbers };
}

/** Acknowledged / on-time / targeted of truth rows. */
export function truthTally(rows: TruthRow[]) {
  return { targeted: rows.length, acknowledged: rows.filter((x) => x.acknowledged).length, onTime: rows.filter((x) => x.onTime).length };
}
