/**
 * Numbers that continue: a county adopting gridrelay mid-emergency has already issued 指挥部令 No. 1–16 by
 * hand, so gridrelay's first must be No. 17 (`npm run gridrelay -- numbers set --kind directive --year 2026
 * --next 17`, src/cli.ts). Setting the next number never reuses one gridrelay issued: it is refused when
 * `next` is not above the highest number of that kind and year gridrelay has issued (or counted). Applies
 * to the county's series (directives, the county's notices); every change is audited.
 */
import type { Db } from '../../src/db/client.js';
import { writeTx } from '../../src/db/client.js';
import { audit } from '../../src/db/queries/audit.js';
import { counterLast, highestStored, setCounterLast } from '../../src/db/queries/directives.js';
import type { DirectiveKind } from '../../src/db/schema/index.js';
import { formatNumber, KIND_ZH } from './format.js';

export interface SetNextInput {
  kind: DirectiveKind;
  /** The year of the numbering (`〔2026〕`). */
  year: number;
  /** The number the next item of that kind and year gets (≥ 1). */
  next: number;
  /** Who asked, for the audit log (default `cli`). */
  actorId?: string;
  /** Recorded with the audit entry (e.g. the operating-system user). */
  detail?: Record<string, unknown>;
  /** When (default now). */
  at?: Date;
}

export type SetNextResult =
  | { ok: true; /** What the next number was before. */ previousNext: number; next: number; /** `指挥部令〔2026〕` */ series: string }
  | { ok: false; /** Why not (English, for the operator; names the item in Chinese). */ reason: string; /** The lowest `next` allowed. */ lowestNext: number };

/**
 * Sets the next number of the county's series of `kind` for `year`, in one write transaction: refused
 * (nothing changed) when `next` ≤ the highest number gridrelay issued or counted there; else the counter
 * is set to `next − 1` and an audit entry `numbers.set` is written (subject `指挥部令〔2026〕`, detail: the
 * previous and new next number). Setting it to what it already is succeeds and is audited too.
 * @throws RangeError when `next` or `year` is not a positive integer (the CLI checks them first).
 */
export async function setNextNumber(db: Db, input: SetNextInput): Promise<SetNextResult> {
  if (!Number.isInteger(input.next) || input.next < 1) throw new RangeError(`next must be a positive integer, got ${input.next}`);
  if (!Number.isInteger(input.year) || input.year < 1) throw new RangeError(`year must be a positive integer, got ${input.year}`);
  const series = `${KIND_ZH[input.kind]}〔${input.year}〕`;
  return await writeTx(db, async (tx) => {
      const counted = await counterLast(tx, input.kind, input.year);
      const highest = Math.max(counted, await highestStored(tx, input.kind, input.year));
    if (input.next <= highest) {
      const last = formatNumber({ kind: input.kind, year: input.year, number: highest });
      return {
        ok: false,
        reason:
            await highestStored(tx, input.kind, input.year) >= highest
            ? `refused: ${last} was already issued by gridrelay, so --next ${input.next} would reuse a number; the lowest allowed is ${highest + 1}`
            : `refused: numbers up to ${last} are taken (issued by hand before gridrelay, as set earlier), so --next ${input.next} would reuse a number; the lowest allowed is ${highest + 1}`,
        lowestNext: highest + 1,
      };
    }
      await setCounterLast(tx, input.kind, input.year, input.next - 1);
      await audit(tx, {
      actorId: input.actorId ?? 'cli',
      action: 'numbers.set',
      subject: series,
      detail: { kind: input.kind, year: input.year, previousNext: counted + 1, next: input.next, ...input.detail },
      at: input.at ?? new Date(),
    });
    return { ok: true, previousNext: counted + 1, next: input.next, series };
  });
}
