/**
 * Amending (/更正) and revoking (/撤回) a directive or notice, and its history for `/进度`.
 *
 * Both keep the number and reach the same groups as the original (the target snapshot). An amendment
 * bumps the revision: acknowledgements of earlier revisions no longer count, the deadline restarts
 * (same window as at issue) and so does the ladder. A revocation cancels every pending ladder step.
 * Who may: commanders and duty officers from the command group (any item); a township officer from
 * their township room, only for a notice issued in that room.
 */
import { mapInOrder } from '../../src/core/in-order.js';
import type { CommandContext, Tier } from '../../src/core/command.js';
import type { CoreDeps } from '../../src/core/deps.js';
import { formatDurationZh } from '../../src/time/duration.js';
import { maskPersonal } from '../../src/core/mask.js';
import type { OutboundAction, OutboundItem } from '../../src/core/message.js';
import { Refusal } from '../../src/core/errors.js';
import { mayChange, placeOf, type ChangeVerb } from '../../src/core/permissions.js';
import { clockFrom, shortDateTimeIn, yearIn } from '../../src/time/clock.js';
import { audit } from '../../src/db/queries/audit.js';
import { ackCountsByRevision, eventsOf, insertEvent, targetsOf, updateDirective } from '../../src/db/queries/directives.js';
import { getGroup } from '../../src/db/queries/roster.js';
import type { Directive } from '../../src/db/schema/index.js';
import { ackAction, directiveLane, formatNumber, itemOf } from './format.js';
import { whatChanged } from './changes.js';
import { chasedBy } from './chase.js';
import { cancelLadder, scheduleLadder } from './ladder.js';
import type { RefViewer } from './series.js';
import { planReadPolls } from './receipts.js';
import { lookupRef, missingRef, refWord, type DirectiveRef } from './ref.js';
import { clipMasked } from '../../src/core/text.js';

/**
 * Finds the item to amend or revoke, of the year written (this year in `TIMEZONE` when none is). A bare
 * number that is both a directive and a notice is refused (changing the wrong one cannot be undone),
 * asking for `令N` or `通告N`. A notice is looked for in the series the reference names, else in those of
 * where it is asked (a township room: its own first; see {@link lookupRef}).
 * @param viewer the group it is asked in; without it, the county's series only
 * @throws Refusal when none or both exist, a year is written that has no such item, or the name before
 *   通告 is no township.
 */
export async function resolveForChange(deps: CoreDeps, ref: DirectiveRef, verb: string, viewer?: RefViewer): Promise<Directive> {
  const lookup = await lookupRef(deps, ref, viewer);
  const found = lookup.found;
  if (found.length === 0) throw missingRef(deps, ref, lookup, `/${verb}`);
  if (found.length > 1) {
    const thisYear = yearIn(deps.now(), deps.config.TIMEZONE);
    throw new Refusal(`第${ref.number}号有指挥部令和通告两条，请写明：/${verb} ${refWord(found[0]!, thisYear)} 或 /${verb} ${refWord(found[1]!, thisYear)}`);
  }
  return found[0]!;
}

/**
 * Checks that the sender of `ctx` may amend or revoke `d` (`mayChange` in permissions.ts), and that it is still open.
 * @throws Refusal saying why not.
 */
export function checkMayChange(ctx: Pick<CommandContext, 'sender' | 'tier' | 'group' | 'groupUnit'>, d: Directive, verb: ChangeVerb): void {
  const n = formatNumber(d);
  const may = mayChange(verb, ctx.sender, placeOf(ctx), { kind: d.kind, issuedIn: d.issuedIn, name: n });
  if (!may.allowed) throw new Refusal(may.refusal);
  if (d.status === 'revoked') throw new Refusal(`${n}已撤回，不能再${verb}。`);
}

export interface ChangeInput {
  directive: Directive;
  /** Amendment text, or the revocation reason (may be empty). */
  text: string;
  actorId: string;
  /** The group it was posted in (names the sender in the relay). */
  conversationId: string;
  inboundId: number;
  /**
   * When it was amended or revoked: the moment the message was received (`ctx.receivedAt`); default now.
   * Recorded (history, audit, `revised_at` / `revoked_at`); the new acknowledgement window runs from now,
   * when the correction goes out.
   */
  at?: Date | undefined;
}

export interface ChangeResult {
  directive: Directive;
  /** Groups it was relayed to. */
  groups: number;
  /** What an amendment changed, as relayed ({@link whatChanged}); empty for a revocation. */
  changes: string[];
}

/** The text of the version `d` has now: its last amendment's, or the text it was issued with. */
export async function currentText(deps: CoreDeps, d: Directive): Promise<string> {
  if (d.revision === 1) return d.text;
  const last = (await eventsOf(deps.db, d.id)).filter((e) => e.kind === 'amend' && e.revision === d.revision).at(-1);
  return last?.text ?? d.text;
}

async function signature(deps: CoreDeps, conversationId: string, at: Date): Promise<string> {
  return `——${(await getGroup(deps.db, conversationId))?.title ?? '指挥部'} ${shortDateTimeIn(at, deps.config.TIMEZONE)}`;
}

/**
 * Stores one message per target group of `d` (outbox key `dir-<id>-<keyPart>-<conversation>`), carrying `item`
 * (so DingTalk also updates the cards of the revision it replaces or revokes).
 */
async function relayToTargets(deps: CoreDeps, d: Directive, text: string, keyPart: string, item: OutboundItem, actions?: OutboundAction[]): Promise<number> {
  const convs = [...new Set((await targetsOf(deps.db, d.id)).map((t) => t.conversationId))];
  for (const c of convs) {
    await deps.outbox.store(deps.db, { conversationId: c, text, ...(actions ? { actions } : {}), item, dedupKey: `dir-${d.id}-${keyPart}-${c}`, notifyOnFail: d.issuedIn, lane: directiveLane(d) });
  }
  return convs.length;
}

/** The time of a change: the received time, not before the item's issue or last revision. */
function changeTime(deps: CoreDeps, d: Directive, at: Date | undefined): Date {
  return new Date(Math.max((at ?? deps.now()).getTime(), (d.revisedAt ?? d.issuedAt).getTime()));
}

/**
 * Relays a correction (marked 【更正】, with what it changed from the version it replaces: {@link whatChanged})
 * to the same groups and re-opens acknowledgement: revision + 1,
 * recorded at {@link ChangeInput.at}, new deadline = now (the relay) + the item's window, ladder restarted for the new revision (the old one's pending
 * steps cancelled). Outbox keys `dir-<id>-amend<rev>-<conversation>`.
 * @throws Refusal when the item is revoked.
 */
export async function amend(deps: CoreDeps, input: ChangeInput): Promise<ChangeResult> {
  const { db, config } = deps;
  const now = deps.now();
  const old = input.directive;
  if (old.status === 'revoked') throw new Refusal(`${formatNumber(old)}已撤回，不能再更正。`);
  const at = changeTime(deps, old, input.at);
  const changes = whatChanged(await currentText(deps, old), input.text);
  const revision = old.revision + 1;
  const window = old.ackWindowMs ?? config.ACK_ESCALATE_AFTER;
  const d = await updateDirective(db, old.id, { revision, revisedAt: at, ackDeadline: old.ackRequired ? new Date(now.getTime() + window) : null });
  await cancelLadder(deps, d.id, old.revision);
  await scheduleLadder(deps, d, now);
  const lines = [`【更正】${formatNumber(d)}`, maskPersonal(input.text), ...changes, await signature(deps, input.conversationId, at)];
  if (d.ackRequired && d.ackDeadline) {
    lines.push(`此前的确认不再有效，请于${clockFrom(d.ackDeadline, now, config.TIMEZONE)}前重新回复「收到」（${formatDurationZh(window)}内）。`);
  }
  const item = itemOf(d, config.TIMEZONE, { supersedes: old.revision });
  const groups = await relayToTargets(deps, d, lines.join('\n'), `amend${revision}`, item, d.ackRequired ? [ackAction(d)] : undefined);
  planReadPolls(deps, d, revision, now);
  await insertEvent(db, { directiveId: d.id, revision, kind: 'amend', at, actorId: input.actorId, text: input.text, count: groups, inboundId: input.inboundId });
  await audit(db, { actorId: input.actorId, action: `${d.kind}.amend`, subject: formatNumber(d), detail: { directiveId: d.id, revision, text: input.text }, inboundId: input.inboundId, at });
  return { directive: d, groups, changes };
}

/**
 * Revokes (recorded at {@link ChangeInput.at}): marks it revoked, cancels every pending ladder step and relays 【撤回】 to the same groups
 * (outbox keys `dir-<id>-revoke-<conversation>`). Acknowledging it afterwards is refused.
 * @throws Refusal when already revoked.
 */
export async function revoke(deps: CoreDeps, input: ChangeInput): Promise<ChangeResult> {
  const { db } = deps;
  const old = input.directive;
  if (old.status === 'revoked') throw new Refusal(`${formatNumber(old)}已撤回。`);
  const now = changeTime(deps, old, input.at);
  const d = await updateDirective(db, old.id, { status: 'revoked', revokedAt: now });
  await cancelLadder(deps, d.id);
  const lines = [`【撤回】${formatNumber(d)}已撤回，不再执行，无需确认。`];
  if (input.text) lines.push(`说明：${maskPersonal(input.text)}`);
  lines.push(await signature(deps, input.conversationId, now));
  const groups = await relayToTargets(deps, d, lines.join('\n'), 'revoke', itemOf(d, deps.config.TIMEZONE, { state: 'revoked' }));
  await insertEvent(db, { directiveId: d.id, revision: d.revision, kind: 'revoke', at: now, actorId: input.actorId, text: input.text || null, count: groups, inboundId: input.inboundId });
  await audit(db, { actorId: input.actorId, action: `${d.kind}.revoke`, subject: formatNumber(d), detail: { directiveId: d.id, reason: input.text }, inboundId: input.inboundId, at: now });
  return { directive: d, groups, changes: [] };
}

const MAX_HISTORY = 8;

/**
 * The history lines of `/进度` (empty when there is nothing but the issue): amendments with how many
 * units had acknowledged the version they replaced, the revocation, and — for the county tier — the
 * ladder steps that sent something and each `/催办`. Times in `TIMEZONE`.
 */
export async function historyLines(deps: CoreDeps, d: Directive, tier: Tier): Promise<string[]> {
  const events = (await eventsOf(deps.db, d.id)).filter((e) => tier === 'county' || ['issue', 'amend', 'revoke'].includes(e.kind));
  if (!events.some((e) => e.kind !== 'issue')) return [];
  const acks = await ackCountsByRevision(deps.db, d.id);
  const tz = deps.config.TIMEZONE;
  const line = async (e: (typeof events)[number]): Promise<string> => {
    const at = shortDateTimeIn(e.at, tz);
    switch (e.kind) {
      case 'issue':
        return `· ${at} 发布`;
      case 'amend':
        return `· ${at} 更正为第${e.revision}版：${clipMasked(e.text ?? '')}${d.ackRequired ? `（第${e.revision - 1}版已确认 ${acks.get(e.revision - 1) ?? 0}）` : ''}`;
      case 'revoke':
        return `· ${at} 撤回${e.text ? `：${clipMasked(e.text)}` : ''}`;
      case 'remind':
        return `· ${at} 提醒 ${e.count} 个未确认单位`;
      case 'escalate':
        return `· ${at} 通报乡镇：${e.count} 个网格未确认`;
      case 'rollup':
        return `· ${at} 汇总报指挥部：${e.count} 个单位未确认`;
      case 'chase':
        return `· ${at} ${await chasedBy(deps, e)}催办 ${e.count} 个网格`;
    }
  };
  const shown = events.length > MAX_HISTORY ? [events[0]!, ...events.slice(-(MAX_HISTORY - 1))] : events;
  return ['记录：', ...(await mapInOrder(shown, line))];
}
