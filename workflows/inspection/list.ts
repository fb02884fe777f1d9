/**
 * Reading findings, for the asker's group: `/督查列表` (the findings not closed, or one in detail) and the
 * findings of a directive under its `/进度`. The command group sees every township's; a township room its
 * own; a grid group nothing (PRODUCT.md §2.5). Texts are masked as relayed (nobody named, numbers masked).
 */
import { mapInOrder } from '../../src/core/in-order.js';
import type { Tier } from '../../src/core/command.js';
import type { CoreDeps } from '../../src/core/deps.js';
import { Refusal } from '../../src/core/errors.js';
import { maskPersonal } from '../../src/core/mask.js';
import { clip } from '../../src/core/text.js';
import { getDirective } from '../../src/db/queries/directives.js';
import { inspectionsOfDirective, openInspections } from '../../src/db/queries/inspections.js';
import { getMember } from '../../src/db/queries/roster.js';
import type { Inspection, Unit } from '../../src/db/schema/index.js';
import { shortDateTimeIn } from '../../src/time/clock.js';
import { formatNumber } from '../directive/format.js';
import { mayReadFinding, ROLE_ZH } from '../../src/core/permissions.js';
import type { FindingRef } from './fields.js';
import { INSPECTION_STATE_ZH } from './handle.js';
import { findingNumber, resolveFinding } from './number.js';
import { masked, namesToMask, problemLine, unitLabel } from './relay.js';

/** The group asking: its tier and unit. */
export interface FindingViewer {
  tier: Tier;
  unit: Unit;
}

/** Up to this many findings are listed one per line. */
const LIST_LINES = 20;
/** Up to this many findings are named under a directive's `/进度`. */
const PROGRESS_LINES = 5;

/** The state as a list shows it: `待整改（超时）`, `已整改`, `已结案`, with `已通报` beside. */
function stateText(f: Inspection): string {
  return `${INSPECTION_STATE_ZH[f.state]}${f.state === 'open' && f.overdueAt ? '（超时）' : ''}${f.publishedAt ? '，已通报' : ''}`;
}

/** One line of a list: `· 督查〔2026〕第5号 马坞镇 高垄口村第2网格：卡口无人值守（待整改）`. */
async function listLine(deps: CoreDeps, f: Inspection, names: readonly string[], withTownship: boolean): Promise<string> {
  return `· ${findingNumber(f)} ${withTownship ? await unitLabel(deps, f) : f.unitName}：${clip(problemLine(f, names), 30)}（${stateText(f)}）`;
}

/** The findings a viewer may see ({@link mayReadFinding}): every township's in the command group, its own in a township room, none in a grid group. */
function visible(viewer: FindingViewer, list: Inspection[]): Inspection[] {
  return list.filter((f) => mayReadFinding(viewer, f));
}

/** `/督查列表`: the findings not closed that the viewer's group may see, oldest first. */
export async function findingListText(deps: CoreDeps, viewer: FindingViewer): Promise<string> {
  const list = visible(viewer, await openInspections(deps.db, viewer.tier === 'township' ? viewer.unit.id : undefined));
  const who = viewer.tier === 'county' ? '' : viewer.unit.name;
  if (list.length === 0) return `督查问题：${who}暂无未结案的。`;
  const open = list.filter((f) => f.state === 'open').length;
  const names = await namesToMask(deps);
  const lines = [
    `督查问题：${who}未结案 ${list.length} 条（待整改 ${open}，已整改 ${list.length - open}）`,
    ...(await mapInOrder(list.slice(0, LIST_LINES), (f) => listLine(deps, f, names, viewer.tier === 'county'))),
  ];
  if (list.length > LIST_LINES) lines.push(`…另有 ${list.length - LIST_LINES} 条`);
  lines.push('/督查列表 <号> 查看详情');
  return lines.join('\n');
}

/**
 * `/督查列表 <号>`: one finding in detail — unit, problem, directive, evidence, rectification,
 * publication, closure. The command group sees any; a township room only its own township's.
 * @throws Refusal when there is no such finding or it is not of this township.
 */
export async function findingDetailText(deps: CoreDeps, viewer: FindingViewer, ref: FindingRef): Promise<string> {
  const f = await resolveFinding(deps, ref);
  const n = findingNumber(f);
  if (visible(viewer, [f]).length === 0) throw new Refusal(`${n} 不属于${viewer.unit.name}，不能在本群查看。`);
  const tz = deps.config.TIMEZONE;
  const at = (d: Date) => shortDateTimeIn(d, tz);
  const names = await namesToMask(deps);
  const pics = (n: number) => (n ? `，附图${n}张` : '');
  const d = f.directiveId !== null ? await getDirective(deps.db, f.directiveId) : undefined;
  const notice = f.noticeId !== null ? await getDirective(deps.db, f.noticeId) : undefined;
  // the command group may see who recorded it; a township room sees no one named
  const inspector = viewer.tier === 'county' ? await getMember(deps.db, f.inspectorId) : undefined;
  const lines = [
    `${n}（${stateText(f)}）`,
    `单位：${await unitLabel(deps, f)}`,
    `问题：${problemLine(f, names)}`,
    ...(d ? [`关联：${formatNumber(d)}`] : []),
    `登记：${inspector ? `${inspector.name}（${ROLE_ZH[inspector.role]}）` : ''}${at(f.recordedAt)}${pics(f.attachments.length)}`,
    ...(f.overdueAt && !f.rectifiedAt ? [`超时未整改：${at(f.overdueAt)}已列报`] : []),
    ...(f.rectifiedAt ? [`整改：${at(f.rectifiedAt)} ${clip(maskPersonal(f.rectifyNote ?? ''), 60)}${pics(f.rectifyAttachments.length)}`] : []),
    ...(f.publishedAt ? [`通报：${notice ? formatNumber(notice) : ''}（${at(f.publishedAt)}）`] : []),
    ...(f.closedAt ? [`结案：${at(f.closedAt)}${f.closeNote ? ` ${clip(masked(f.closeNote, names), 60)}` : ''}`] : []),
  ];
  return lines.join('\n');
}

/**
 * The findings tied to a directive or notice, as lines under its `/进度` for the viewer's group (county:
 * all; township room: its own; grid group: none). Empty when there are none to show.
 */
export async function findingsOfDirectiveLines(deps: CoreDeps, directiveId: number, viewer: FindingViewer): Promise<string[]> {
  if (viewer.tier === 'grid') return [];
  const list = visible(viewer, await inspectionsOfDirective(deps.db, directiveId));
  if (list.length === 0) return [];
  const names = await namesToMask(deps);
  const lines = [`督查发现（${list.length}）：`, ...(await mapInOrder(list.slice(0, PROGRESS_LINES), async (f) => await listLine(deps, f, names, viewer.tier === 'county')))];
  if (list.length > PROGRESS_LINES) lines.push(`…等${list.length}条，/督查列表 查看`);
  return lines;
}
