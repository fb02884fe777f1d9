/**
 * Issuing a directive (指挥部令) or notice (通告): a gapless number of its kind and year, a target snapshot
 * of the scope's township rooms and grid groups, one relay per target group through the outbox, the
 * ladder (if a receipt is asked) and the read polls.
 *
 * Runs synchronously inside the caller's write transaction (better-sqlite3), so a directive, its targets
 * and all its relay messages are stored together or not at all; the outbox then delivers them, and a
 * restart resumes what was not yet sent.
 */
import type { CoreDeps } from '../../src/core/deps.js';
import { Refusal } from '../../src/core/errors.js';
import { maskPersonal } from '../../src/core/mask.js';
import { audit } from '../../src/db/queries/audit.js';
import { insertDirective, insertEvent, insertTargets, nextNumber } from '../../src/db/queries/directives.js';
import { countyUnit, getGroup, getUnit } from '../../src/db/queries/roster.js';
import type { Directive, DirectiveKind, Member } from '../../src/db/schema/index.js';
import { clockFrom, shortDateTimeIn, yearIn } from '../../src/time/clock.js';
import { formatDurationZh } from '../../src/time/duration.js';
import { RISK_COLOURS, type RiskColour } from '../../src/db/schema/index.js';
import { COLOUR_ZH } from '../risk/index.js';
import { ackAction, directiveLane, formatNumber, itemOf } from './format.js';
import { compactGridNames, scheduleLadder } from './ladder.js';
import { planReadPolls } from './receipts.js';
import { resolveScope, type ResolvedScope, type ScopeUnit } from './scope.js';

export interface IssueInput {
  kind: DirectiveKind;
  text: string;
  issuer: Member;
  /** The command group it was posted in. */
  conversationId: string;
  inboundId: number;
  ackRequired?: boolean;
  /** `范围:` terms (see scope.ts); empty or absent = the whole county. */
  scope?: string[] | undefined;
  /** Acknowledgement window in ms (`时限:`); default `ACK_ESCALATE_AFTER`. */
  ackWindowMs?: number | undefined;
  /** Urgent: the ladder ignores quiet hours. */
  urgent?: boolean | undefined;
  /**
   * A township id when a township officer issues a notice to their own township only: the scope is
   * narrowed to it, and its room (the issuer) is not a target — it gets the ladder's lists instead.
   */
  within?: string | undefined;
  /**
   * Only the township rooms of the scope, no grid groups: a short notice to the rooms (a 督查通报,
   * workflows/inspection/). The preview counts them as townships.
   */
  roomsOnly?: boolean | undefined;
  /** Issued in a drill (演练, workflows/drill/): marked 【演练】 in every message, left out of reports. */
  drill?: boolean | undefined;
}

export interface IssueResult {
  directive: Directive;
  townships: number;
  grids: number;
  /** The scope as written, null for the whole county. */
  scope: string | null;
}

/**
 * Issues a directive or notice to the township rooms and grid groups of its scope: resolves the scope
 * (nothing is stored if a name is unknown), takes the next number of its kind for the year (in
 * `TIMEZONE`) — a township officer's notice (`within`) in its township's own series (`大坑乡通告〔2026〕第1号`), snapshots the target units, stores one relay message per target group (outbox key
 * `dir-<id>-relay-<conversation>`), schedules the ladder (if a receipt is asked) and an audit entry.
 * @throws Refusal when no roster is loaded or the scope names something unknown or reaches no group.
 */
export async function issue(deps: CoreDeps, input: IssueInput): Promise<IssueResult> {
  const { db, config } = deps;
  const now = deps.now();
  if (!await countyUnit(db)) throw new Refusal('花名册中没有乡镇或网格群，无法下发。请先导入花名册。');
  const scope = await resolveScope(db, input.scope ?? null, input.within);
  // a township's own notice is not relayed back to (nor acknowledged by) the room that issued it
  const reached = input.roomsOnly ? scope.units.filter((u) => u.kind === 'township') : scope.units;
  const targets = input.within ? reached.filter((u) => u.id !== input.within) : reached;
  if (targets.length === 0) throw new Refusal('范围内没有可下发的网格群。未下发。');
  const year = yearIn(now, config.TIMEZONE);
  // a township's own notices are numbered in its own series, so the county's stays gapless
  const series = input.within && input.kind === 'notice' ? input.within : '';
  const number = await nextNumber(db, series ? `${input.kind}:${series}` : input.kind, year);
  const ackRequired = input.ackRequired ?? true;
  const windowMs = input.ackWindowMs ?? config.ACK_ESCALATE_AFTER;
  const directive = await insertDirective(db, {
    kind: input.kind,
    series,
      seriesName: series ? ((await getUnit(db, series))?.name ?? null) : null,
    year,
    number,
    text: input.text,
    issuerId: input.issuer.id,
    issuedIn: input.conversationId,
    issuedAt: now,
    ackDeadline: ackRequired ? new Date(now.getTime() + windowMs) : null,
    ackRequired,
    ackWindowMs: ackRequired ? windowMs : null,
    urgent: input.urgent ?? false,
    scope: scope.label,
    sourceInboundId: input.inboundId,
    drill: input.drill ?? false,
  });
  await insertTargets(
    db,
    targets.map((u) => ({
      directiveId: directive.id,
      unitId: u.id,
      unitKind: u.kind,
      unitName: u.name,
      townshipId: u.townshipId ?? u.id,
      conversationId: u.conversationId,
    })),
  );
  const issuerName = (await getGroup(db, input.conversationId))?.title ?? (await countyUnit(db))?.name ?? '指挥部';
  const relay = relayText(deps, directive, issuerName);
  // a scoped item tells each township room which of its grids it reached, so the room knows whom to chase
  const coverage = scope.label !== null && !input.within ? roomCoverage(targets, scope) : new Map<string, string>();
  const actions = directive.ackRequired ? [ackAction(directive)] : undefined;
  const item = itemOf(directive, config.TIMEZONE);
  await deps.outbox.storeMany(
    db,
    targets.map((u) => ({
      conversationId: u.conversationId,
      text: relay(coverage.get(u.id)),
      ...(actions ? { actions } : {}),
      item,
      dedupKey: `dir-${directive.id}-relay-${u.conversationId}`,
      notifyOnFail: input.conversationId,
      lane: directiveLane(directive),
    })),
  );
  await scheduleLadder(deps, directive, now);
  planReadPolls(deps, directive, 1, now);
  await insertEvent(db, { directiveId: directive.id, revision: 1, kind: 'issue', at: now, actorId: input.issuer.id, count: targets.length, inboundId: input.inboundId });
  await audit(db, {
    actorId: input.issuer.id,
    action: `${input.kind}.issue`,
    subject: formatNumber(directive),
    detail: { directiveId: directive.id, targets: targets.length, scope: scope.label, ackWindowMs: directive.ackWindowMs, urgent: directive.urgent },
    inboundId: input.inboundId,
    at: now,
  });
  const grids = targets.filter((u) => u.kind === 'grid').length;
  return { directive, townships: targets.length - grids, grids, scope: scope.label };
}

/** The relay's text, with an optional line after the signature (a township room's {@link roomCoverage}). */
function relayText(deps: CoreDeps, d: Directive, issuerName: string): (extra?: string) => string {
  const tz = deps.config.TIMEZONE;
  const lines = [`【${formatNumber(d)}】${d.urgent ? '【紧急】' : ''}`, maskPersonal(d.text), `——${issuerName} ${shortDateTimeIn(d.issuedAt, tz)}`];
  const ask = d.ackRequired && d.ackDeadline ? [`请于${clockFrom(d.ackDeadline, d.issuedAt, tz)}前回复「收到」确认（${formatDurationZh(d.ackDeadline.getTime() - d.issuedAt.getTime())}内）。`] : [];
  return (extra) => [...lines, ...(extra ? [extra] : []), ...ask].join('\n');
}

/** A scoped relay names at most this many of a township's grids in its room (then `等N个`). */
const COVERAGE_NAMES_SHOWN = 40;

/** `红色`, `橙色及以上` (a cut from red down), `红、黄色`; '' for none. */
function colourWord(colours: RiskColour[]): string {
  if (colours.length === 0) return '';
  const k = colours.length;
  if (k > 1 && colours.every((c, i) => c === RISK_COLOURS[i])) return `${COLOUR_ZH[colours[k - 1]!]}色及以上`;
  return `${colours.map((c) => COLOUR_ZH[c]).join('、')}色`;
}

/**
 * For a scoped item, the line each township room gets about its own grids in scope: `本乡镇 3 个红色网格：
 * 周家坞村第1、2网格；…` (folded per village, at most {@link COVERAGE_NAMES_SHOWN} names), or
 * `本乡镇全部 52 个网格` when the scope takes the whole township. @returns township id → line
 */
function roomCoverage(targets: ScopeUnit[], scope: ResolvedScope): Map<string, string> {
  const out = new Map<string, string>();
  const colour = colourWord(scope.colours);
  for (const room of targets.filter((u) => u.kind === 'township')) {
    const grids = targets.filter((u) => u.kind === 'grid' && u.townshipId === room.id).sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
    if (grids.length === 0) continue;
    if (scope.wholeTownships.has(room.id)) {
      out.set(room.id, `本乡镇全部 ${grids.length} 个网格。`);
      continue;
    }
    const names = grids.slice(0, COVERAGE_NAMES_SHOWN).map((g) => g.name);
    const more = grids.length > COVERAGE_NAMES_SHOWN ? ` 等${grids.length}个` : '';
    out.set(room.id, `本乡镇 ${grids.length} 个${colour}网格：${compactGridNames(names)}${more}`);
  }
  return out;
}
