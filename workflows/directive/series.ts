/**
 * Numbering series of notices: the county's, and each township's own (a township officer's notices to
 * their township, `大坑乡通告〔2026〕第1号`, so the county's series stays gapless). Which series a
 * reference means.
 */
import type { Tier } from '../../src/core/command.js';
import type { CoreDeps } from '../../src/core/deps.js';
import { Refusal } from '../../src/core/errors.js';
import { countyUnit, townships } from '../../src/db/queries/roster.js';
import type { Unit } from '../../src/db/schema/index.js';
import type { DirectiveRef } from './ref.js';

/** Where a reference is read: the group's tier and unit (a township room means its own notices first). */
export interface RefViewer {
  tier: Tier;
  unit: Pick<Unit, 'id' | 'townshipId'>;
}

/**
 * The notice series a reference may mean, the likeliest first: the one it names (`大坑乡通告3` → that
 * township's, `县通告3` → the county's); else in a township room its own, then the county's; elsewhere the
 * county's, then (in a grid group) its township's.
 * @returns series keys: '' for the county's, a township id for a township's own
 * @throws Refusal when the name before 通告 is no township
 */
export async function noticeSeries(deps: CoreDeps, ref: Pick<DirectiveRef, 'series'>, viewer?: RefViewer): Promise<string[]> {
  if (ref.series !== undefined) {
    if (/^(县|全县|指挥部|县指挥部)$/.test(ref.series) || ref.series === (await countyUnit(deps.db))?.name) return [''];
    const t = (await townships(deps.db)).find((u) => u.name === ref.series || u.name.replace(/(街道|镇|乡)$/, '') === ref.series);
    if (!t) throw new Refusal(`没有名为「${ref.series.slice(0, 12)}」的乡镇，请核对编号（如 通告3、大坑乡通告3）。`);
    return [t.id];
  }
  if (viewer?.tier === 'township') return [viewer.unit.id, ''];
  if (viewer?.tier === 'grid' && viewer.unit.townshipId) return ['', viewer.unit.townshipId];
  return [''];
}
