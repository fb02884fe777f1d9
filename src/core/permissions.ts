/**
 * Who may do what where (PRODUCT.md §2.5), fail closed. Names in Chinese for refusals.
 */
import type { Role, Unit } from '../db/schema/index.js';
import type { Tier } from './command.js';

export const ROLE_ZH: Record<Role, string> = {
  commander: '指挥长',
  duty_officer: '值班员',
  inspector: '督查员',
  township_officer: '乡镇干部',
  grid_leader: '网格长',
  grid_worker: '网格员',
  grid_member: '网格成员',
};

export const TIER_ZH: Record<Tier, string> = {
  county: '指挥部群',
  township: '乡镇指挥室',
  grid: '网格群',
};

/** Roles that act for the county. */
export const COUNTY_ROLES: readonly Role[] = ['commander', 'duty_officer', 'inspector'];
/** Roles that may issue directives and notices county-wide. */
export const ISSUER_ROLES: readonly Role[] = ['commander', 'duty_officer'];
/** Roles of a grid. */
export const GRID_ROLES: readonly Role[] = ['grid_leader', 'grid_worker', 'grid_member'];
/** Every role. */
export const ALL_ROLES: readonly Role[] = [...COUNTY_ROLES, 'township_officer', ...GRID_ROLES];
/**
 * Roles that record, close and publish 督查 findings (PRODUCT.md §2.5 "inspection"), in the command group:
 * inspectors and commanders (not duty officers). A township officer rectifies its own township's findings
 * (`/整改`, from its room); grid roles see nothing of them.
 */
export const INSPECTOR_ROLES: readonly Role[] = ['commander', 'inspector'];
/** Roles that may read 督查 findings (`/督查列表`): the county's, everywhere but grid groups; a township officer its own township's, in its room. */
export const INSPECTION_READER_ROLES: readonly Role[] = [...COUNTY_ROLES, 'township_officer'];

/** Tier of a unit kind that has a group (`village` has none). */
export function tierOf(kind: string): Tier | null {
  return kind === 'county' || kind === 'township' || kind === 'grid' ? kind : null;
}

/** What a read command shows: the group's own tier and unit (PRODUCT.md §2.5 progress, stats, leads, task lists). */
export interface ReadsByTier {
  scope: 'by-tier';
  /** What is read, for the refusal: `进度`, `统计`, `线索`, `任务`. */
  what: string;
}

/** The unit a group is bound to, as the permission checks need it. */
export type GroupUnit = Pick<Unit, 'id' | 'name' | 'townshipId'>;

/**
 * Whether `sender` may read what a group of `unit` shows, the one rule for every read (PRODUCT.md §2.5):
 * county roles (commander, duty officer, inspector) every group; a township officer its own township's
 * room and the groups of its own grids; grid roles their own grid's group. Anything else is refused.
 */
export function mayReadIn(sender: { role: Role; unitId: string }, unit: GroupUnit): boolean {
  if (COUNTY_ROLES.includes(sender.role)) return true;
  if (sender.role === 'township_officer') return unit.id === sender.unitId || unit.townshipId === sender.unitId;
  return unit.id === sender.unitId;
}

/**
 * Checks a sender against a command's `allow` roles, `where` tiers, `ownUnitOnly` and `reads`.
 * @returns null when allowed, else the refusal text (Chinese, says why).
 */
export function refusalFor(
  cmd: { allow: readonly Role[]; where: readonly Tier[]; ownUnitOnly?: boolean | undefined; reads?: ReadsByTier | undefined; words: readonly string[] },
  sender: { role: Role; unitId: string },
  group: { tier: Tier; unit: GroupUnit },
): string | null {
  const word = cmd.words[0];
  if (!cmd.allow.includes(sender.role)) {
    return `${ROLE_ZH[sender.role]}不能使用 ${word}（仅限${cmd.allow.map((r) => ROLE_ZH[r]).join('、')}）。`;
  }
  if (!cmd.where.includes(group.tier)) {
    return `${word} 只能在${cmd.where.map((t) => TIER_ZH[t]).join('或')}使用。`;
  }
  if (cmd.ownUnitOnly && sender.unitId !== group.unit.id) {
    return `你不属于本群所在单位，不能在本群使用 ${word}。`;
  }
  if (cmd.reads && !mayReadIn(sender, group.unit)) {
    const own = sender.role === 'township_officer' ? ['本乡镇', '本乡镇指挥室'] : ['本网格', '本网格群'];
    return `${ROLE_ZH[sender.role]}只能查看${own[0]}的${cmd.reads.what}，本群是${group.unit.name}的群。请在${own[1]}发送 ${word}。`;
  }
  return null;
}
