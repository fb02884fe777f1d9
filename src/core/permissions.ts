/**
 * Who may do what where (PRODUCT.md §2.5), fail closed: the one place that decides. Names in Chinese for
 * refusals.
 *
 * A command's definition states its rule: `allow` (roles), `where` (tiers of group), `ownUnitOnly`, `reads`
 * (see {@link refusalFor}) and, where those do not say it all, a named `policy` from here
 * ({@link mayIssueNotice}, {@link mayAmend}, {@link mayRevoke}, {@link mayEscalate}, {@link mayAcknowledge},
 * {@link mayTransferLead}, {@link mayChase}, {@link mayErrand}).
 * The dispatcher refuses with them, and `/帮助` lists exactly the commands {@link mayUse} allows. Rules about
 * the item acted on — whose lead, task, grid or notice it is — are named here too ({@link mayMoveLead},
 * {@link mayReadLead}, {@link mayReadLeadText}, {@link mayChangeTask}, {@link riskGridsWithin}, {@link mayChange}
 * with the item, {@link mayRectifyFinding}, {@link mayReadFinding}, {@link mayBuyErrand}) and
 * asked by the workflows once the item is loaded.
 */
import type { Member, Role, Unit } from '../db/schema/index.js';
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
/** Roles that move leads (PRODUCT.md §2.5 "move a lead"): the county's commanders and duty officers, township officers. */
export const LEAD_MOVER_ROLES = ['commander', 'duty_officer', 'township_officer'] as const satisfies readonly Role[];
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

/** Who asks: the sender's role and own unit. */
export type Asker = Pick<Member, 'role' | 'unitId'>;

/** Where it is asked: the group's tier, the unit it is bound to, and its conversation id. */
export interface Place {
  tier: Tier;
  unit: GroupUnit;
  conversationId: string;
}

/** The {@link Place} of a command context. */
export function placeOf(ctx: { tier: Tier; groupUnit: GroupUnit; group: { conversationId: string } }): Place {
  return { tier: ctx.tier, unit: ctx.groupUnit, conversationId: ctx.group.conversationId };
}

/** What a policy decides: allowed, or refused with the reason told to the person (Chinese, says why). */
export type Verdict = { allowed: true } | { allowed: false; refusal: string };

const ALLOWED: Verdict = { allowed: true };
const refused = (refusal: string): Verdict => ({ allowed: false, refusal });

/**
 * A named rule for using a command, beyond its `allow`, `where`, `ownUnitOnly` and `reads`: may `sender` use
 * it in `group`? (A policy that also judges the item acted on takes it as an optional further argument.)
 */
export type Policy = (sender: Asker, group: Place) => Verdict;

/** Whether `group` is the room of the township `sender` is an officer of. */
function isOwnRoom(sender: Asker, group: Place): boolean {
  return group.tier === 'township' && sender.role === 'township_officer' && sender.unitId === group.unit.id;
}

/**
 * Whether `sender` may read what a group of `unit` shows, the one rule for every read (PRODUCT.md §2.5):
 * county roles (commander, duty officer, inspector) every group; a township officer its own township's
 * room and the groups of its own grids; grid roles their own grid's group. Anything else is refused.
 */
export function mayReadIn(sender: Asker, unit: GroupUnit): boolean {
  if (COUNTY_ROLES.includes(sender.role)) return true;
  if (sender.role === 'township_officer') return unit.id === sender.unitId || unit.townshipId === sender.unitId;
  return unit.id === sender.unitId;
}

/**
 * Checks a sender against a command's `allow` roles, `where` tiers, `ownUnitOnly` and `reads` (not its
 * `policy`: see {@link mayUse}).
 * @returns null when allowed, else the refusal text (Chinese, says why).
 */
export function refusalFor(
  cmd: { allow: readonly Role[]; where: readonly Tier[]; ownUnitOnly?: boolean | undefined; reads?: ReadsByTier | undefined; words: readonly string[] },
  sender: Asker,
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

/**
 * Whether `sender` may use `cmd` in `group` at all: its `allow`, `where`, `ownUnitOnly` and `reads`
 * ({@link refusalFor}), then its `policy`. What `/帮助` lists, and what the dispatcher asks of a plain
 * message's answer and of a follow-up.
 */
export function mayUse(
  cmd: Parameters<typeof refusalFor>[0] & { policy?: Policy | undefined },
  sender: Asker,
  group: Place,
): Verdict {
  const refusal = refusalFor(cmd, sender, group);
  if (refusal) return refused(refusal);
  return cmd.policy?.(sender, group) ?? ALLOWED;
}

// ── the named policies (PRODUCT.md §2.5) ──────────────────────────────────────────────────────────────

/**
 * Issuing a notice (`/通告`; PRODUCT.md §2.5 "directive, notice": commanders and duty officers county-wide,
 * a township officer to its own township): the county's issuers in the command group, a township officer in
 * its own township's room (the notice then reaches that township only).
 */
export function mayIssueNotice(sender: Asker, group: Place): Verdict {
  if (group.tier === 'county') return ISSUER_ROLES.includes(sender.role) ? ALLOWED : refused('乡镇干部请在本乡镇指挥室发布通告（仅限本乡镇）。');
  if (!isOwnRoom(sender, group)) return refused('在乡镇指挥室只有本乡镇干部可以发布通告（仅限本乡镇）；指挥部请在指挥部群发布。');
  return ALLOWED;
}

/** What `/更正` and `/撤回` do to an item, as a refusal says it. */
export type ChangeVerb = '更正' | '撤回';

/** The item amended or revoked, as {@link mayChange} judges it. */
export interface ChangeItem {
  kind: 'directive' | 'notice';
  /** The conversation it was issued in. */
  issuedIn: string;
  /** As a refusal names it: `指挥部令〔2026〕第17号`. */
  name: string;
}

/**
 * Amending or revoking a directive or notice (PRODUCT.md §2.5 "amend, revoke": as for issuing):
 * commanders and duty officers from the command group, any item; a township officer from its own room,
 * only a notice issued in that room; nobody from a grid group. Without `item`: whether `sender` may change
 * anything in `group` (what `/帮助` asks); the refusal then names no item.
 */
export function mayChange(verb: ChangeVerb, sender: Asker, group: Place, item?: ChangeItem): Verdict {
  const n = item?.name ?? '';
  if (group.tier === 'county') return ISSUER_ROLES.includes(sender.role) ? ALLOWED : refused(`只有指挥长、值班员可以${verb}${n}。`);
  if (group.tier === 'township') {
    if (!isOwnRoom(sender, group) || (item && (item.kind !== 'notice' || item.issuedIn !== group.conversationId))) {
      return refused(`乡镇只能${verb}本乡镇指挥室发布的通告；${n}请由指挥部${verb}。`);
    }
    return ALLOWED;
  }
  return refused(`网格群不能${verb}${n}。`);
}

/** `/更正`: {@link mayChange} with verb 更正. */
export const mayAmend = (sender: Asker, group: Place, item?: ChangeItem): Verdict => mayChange('更正', sender, group, item);

/** `/撤回`: {@link mayChange} with verb 撤回. */
export const mayRevoke = (sender: Asker, group: Place, item?: ChangeItem): Verdict => mayChange('撤回', sender, group, item);

/**
 * Acknowledging (`/收到`, a plain 收到; PRODUCT.md §2.5 "acknowledge": for own township, for own grid): in a
 * township room or grid group, for the group's own unit (the command's `ownUnitOnly`); never in the command
 * group, where nothing is acknowledged — a 收到 there is answered with where the units' acknowledgements
 * stand instead (commands/ack.ts).
 */
export function mayAcknowledge(_sender: Asker, group: Place): Verdict {
  return group.tier === 'county' ? refused('指挥部群无需回复收到。') : ALLOWED;
}

/**
 * Escalating a lead to the county (`/上报县`; PRODUCT.md §2.5 "move a lead": a township officer its own
 * township's): a township officer in its own room (whose lead it is: {@link mayMoveLead}). In a grid group
 * the refusal shows how to report a lead instead: `howToReport` (the usage of `/上报`).
 */
export function mayEscalate(sender: Asker, group: Place, howToReport: string): Verdict {
  if (group.tier === 'grid') {
    return refused(`/上报县 由乡镇干部在乡镇指挥室使用（把线索转县指挥部）。在网格群上报线索请用 ${howToReport}，如：/上报 县医院门口有人聚集`);
  }
  if (sender.role !== 'township_officer' || sender.unitId !== group.unit.id) return refused('/上报县 仅限本乡镇干部在本乡镇指挥室使用。');
  return ALLOWED;
}

/**
 * Sending a lead to a township (`/转 <号> <乡镇>`; PRODUCT.md §2.5 "move a lead": the county any lead):
 * the county's commanders and duty officers, in the command group. A township officer is told to escalate
 * instead (`/上报县`), since only the county sends leads between townships.
 */
export function mayTransferLead(sender: Asker, group: Place): Verdict {
  if (group.tier === 'county' && ISSUER_ROLES.includes(sender.role)) return ALLOWED;
  if (group.tier === 'township') return refused('/转 由指挥部在指挥部群使用（把线索转交乡镇）。乡镇如需县里处理，请 /上报县 <号> <理由>。');
  return refused('/转 仅限指挥长、值班员在指挥部群使用。');
}

/** Roles that may chase the silent units of an item (`/催办`): the county's issuers, township officers. */
export const CHASER_ROLES = ['commander', 'duty_officer', 'township_officer'] as const satisfies readonly Role[];

/**
 * Chasing the silent units of a directive or notice (`/催办`; PRODUCT.md §2.5 "chase": commanders and duty
 * officers any units, a township officer its own township's grids): the county's issuers from the command
 * group; a township officer from its own township's room, where the chase reaches only that township's
 * grids (the workflow narrows it to the room's township).
 */
export function mayChase(sender: Asker, group: Place): Verdict {
  if (group.tier === 'county') return ISSUER_ROLES.includes(sender.role) ? ALLOWED : refused('只有指挥长、值班员可以在指挥部群催办；乡镇干部请在本乡镇指挥室催办本乡镇网格。');
  if (group.tier === 'township' && isOwnRoom(sender, group)) return ALLOWED;
  if (group.tier === 'township') return refused('在乡镇指挥室只有本乡镇干部可以催办（仅限本乡镇网格）；指挥部请在指挥部群催办。');
  return refused('网格群不能催办。');
}

// ── whose item it is (asked by the workflows once the item is loaded) ───────────────────────────────

/**
 * Whether a lead of `lead.townshipId` may be moved (受理 / 核查 / 处置 / 办结, 上报县) from `group` (PRODUCT.md §2.5
 * "move a lead": the county any, a township officer its own township's): from the command group any lead,
 * from a township room only that township's.
 */
export function mayMoveLead(group: { tier: Tier; unit: GroupUnit }, lead: { townshipId: string }): boolean {
  if (group.tier === 'county') return true;
  return group.tier === 'township' && lead.townshipId === group.unit.id;
}

/**
 * Whether a lead may be read in `group` (`/线索 <号>`; PRODUCT.md §2.5 reads by tier): in the command group
 * any lead, in a township room that township's, in a grid group the grid's own reports.
 */
export function mayReadLead(group: { tier: Tier; unit: GroupUnit }, lead: { townshipId: string; unitId: string }): boolean {
  if (group.tier === 'county') return true;
  if (group.tier === 'township') return lead.townshipId === group.unit.id;
  return lead.unitId === group.unit.id;
}

/**
 * Whether a lead's text (and its notes) may be shown in `group`, where the lead itself may be read
 * ({@link mayReadLead}; PRODUCT.md §2.2: a lead's text goes to its grid group and township room, and to the
 * command group once escalated): in the command group only once the county knows the lead — escalated
 * (`/上报县`) or reported there by the SLA.
 */
export function mayReadLeadText(group: { tier: Tier }, lead: { escalatedAt: Date | null; slaBreachedAt: Date | null }): boolean {
  return group.tier !== 'county' || lead.escalatedAt !== null || lead.slaBreachedAt !== null;
}

/**
 * Whether a special task may be changed (`/改期`, `/取消任务`) from `group` (PRODUCT.md §2.5 "task": the
 * county any units, a township officer its own township's grids): from the command group any task, from a
 * township room only the tasks issued in that room.
 */
export function mayChangeTask(group: { tier: Tier; conversationId: string }, task: { issuedIn: string }): boolean {
  return group.tier === 'county' || task.issuedIn === group.conversationId;
}

/**
 * The township whose grids `sender` may set the risk colour of (`/风险`; PRODUCT.md §2.5 "set risk colour":
 * commanders and duty officers any grid, a township officer its own township's grids): a township officer's
 * own township; undefined (any grid) for the county's. Who may set colours at all is the command's `allow`
 * and `ownUnitOnly` (commanders, duty officers and township officers, from their own unit's group).
 */
export function riskGridsWithin(sender: Asker): string | undefined {
  return sender.role === 'township_officer' ? sender.unitId : undefined;
}

/**
 * Whether a 督查 finding of `finding.townshipId` may be rectified from `group` (`/整改`; PRODUCT.md §2.5
 * "rectify a 督查 finding": a township officer its own township's, from its room — the command's `allow`,
 * `where` and `ownUnitOnly` say who and where): only a finding of the room's own township.
 */
export function mayRectifyFinding(group: { tier: Tier; unit: GroupUnit }, finding: { townshipId: string }): boolean {
  return group.tier === 'township' && finding.townshipId === group.unit.id;
}

/**
 * Whether a 督查 finding may be shown in `group` (`/督查列表`, under `/进度`; PRODUCT.md §2.5 "read 督查
 * findings"): in the command group any, in a township room that township's, in a grid group none — grid
 * roles see nothing of inspections.
 */
export function mayReadFinding(group: { tier: Tier; unit: GroupUnit }, finding: { townshipId: string }): boolean {
  if (group.tier === 'county') return true;
  return group.tier === 'township' && finding.townshipId === group.unit.id;
}

/**
 * 红色代办 (`/代办`; PRODUCT.md §2.5 "errand orders"): grid roles order, settle (自给) and deliver for their
 * own grid, in its grid group; a township officer runs its own township's list (采购, and `/代办` alone to see
 * it) in its room. The county reads errands in `/统计`, the digest, the export and the dashboard, not here.
 */
export function mayErrand(sender: Asker, group: Place): Verdict {
  if (group.tier === 'grid') {
    if (GRID_ROLES.includes(sender.role) && sender.unitId === group.unit.id) return ALLOWED;
    return refused(GRID_ROLES.includes(sender.role) ? '只能在本网格群登记代办。' : `${ROLE_ZH[sender.role]}不在网格群登记代办：代办由网格员代居民登记。`);
  }
  if (group.tier === 'township' && isOwnRoom(sender, group)) return ALLOWED;
  if (group.tier === 'township') return refused('只能在本乡镇指挥室办理本乡镇的代办清单。');
  return refused('/代办 在网格群登记、在乡镇指挥室采购；县级请用 /统计 或导出查看代办。');
}

/** Whether an order of `errand.townshipId` may be bought from `group` (`/代办 采购`): only its own township's room. */
export function mayBuyErrand(group: { tier: Tier; unit: GroupUnit }, errand: { townshipId: string }): boolean {
  return group.tier === 'township' && errand.townshipId === group.unit.id;
}
