/**
 * Lead numbers: gapless per day (`20260129-007`); people type today's by its number within the day (`007`).
 */
import type { CoreDeps } from '../../src/core/deps.js';
import { drillTag } from '../../src/core/drill.js';
import { Refusal } from '../../src/core/errors.js';
import { findLead } from '../../src/db/queries/leads.js';
import type { Lead } from '../../src/db/schema/index.js';
import { isoDayIn } from '../../src/time/clock.js';
import type { LeadRef } from './fields.js';

/** The day key `YYYYMMDD` of `date` in `timeZone`. */
export function dayKey(date: Date, timeZone: string): number {
  return Number(isoDayIn(date, timeZone).replace(/-/g, ''));
}

/** `20260129-007`; a drill lead `【演练】20260129-007` (the outbox moves the mark to the message's start, src/core/drill.ts). */
export function leadNumber(l: Pick<Lead, 'day' | 'number'> & { drill?: boolean | null }): string {
  return `${drillTag(l)}${l.day}-${String(l.number).padStart(3, '0')}`;
}

/** The short number people type for a lead of today (`007`), else the full one. */
export function shortNumber(l: Pick<Lead, 'day' | 'number'>, today: number): string {
  return l.day === today ? String(l.number).padStart(3, '0') : leadNumber({ day: l.day, number: l.number });
}

/**
 * Finds a lead by number (a number without a day means today's, in `TIMEZONE`).
 * @throws Refusal naming the number when there is none.
 */
export async function resolveLead(deps: CoreDeps, ref: LeadRef): Promise<Lead> {
  const day = ref.day ?? dayKey(deps.now(), deps.config.TIMEZONE);
  const lead = await findLead(deps.db, day, ref.number);
  if (!lead) throw new Refusal(`没有线索 ${leadNumber({ day, number: ref.number })}。请核对编号（/线索 查看未办结线索）。`);
  return lead;
}
