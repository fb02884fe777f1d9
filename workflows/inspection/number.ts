/**
 * Finding numbers: gapless per year (`督查〔2026〕第5号`, counter kind `inspection` taken in the recording
 * transaction, like directives); people type this year's by its number (`5`), an earlier year's with it
 * (`〔2025〕5`).
 */
import type { CoreDeps } from '../../src/core/deps.js';
import { Refusal } from '../../src/core/errors.js';
import { earlierInspection, findInspection } from '../../src/db/queries/inspections.js';
import type { Inspection } from '../../src/db/schema/index.js';
import { yearIn } from '../../src/time/clock.js';
import type { FindingRef } from './fields.js';

/** `督查〔2026〕第5号`. */
export function findingNumber(f: Pick<Inspection, 'year' | 'number'>): string {
  return `督查〔${f.year}〕第${f.number}号`;
}

/** How a person types the finding in a command: `5` this year, `〔2025〕5` for another year. */
export function findingRefWord(f: Pick<Inspection, 'year' | 'number'>, thisYear: number): string {
  return f.year === thisYear ? String(f.number) : `〔${f.year}〕${f.number}`;
}

/**
 * Finds a finding by number: of the year written, else of this year (in `TIMEZONE`).
 * @throws Refusal naming the number when there is none (and, for an earlier year's written without its
 *   year, how to write it).
 */
export async function resolveFinding(deps: CoreDeps, ref: FindingRef): Promise<Inspection> {
  const thisYear = yearIn(deps.now(), deps.config.TIMEZONE);
  const year = ref.year ?? thisYear;
  const f = await findInspection(deps.db, year, ref.number);
  if (f) return f;
  const earlier = ref.year === undefined ? await earlierInspection(deps.db, thisYear, ref.number) : undefined;
  if (earlier) return refuse(`今年（${thisYear}年）没有${findingNumber({ year, number: ref.number })}。往年的请写明年份，如 ${findingRefWord(earlier, thisYear)}`);
  return refuse(`没有${findingNumber({ year, number: ref.number })}。请核对编号（/督查列表 查看未结案的督查问题）。`);
}

function refuse(text: string): never {
  throw new Refusal(text);
}
