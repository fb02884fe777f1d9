/**
 * One inbound message → one reply: route, check the sender and group against the roster and the
 * permission matrix, parse, run. Runs inside the message's write transaction.
 */
import type { Logger } from 'pino';
import { getGroup, getMember, getUnit } from '../db/queries/roster.js';
import type { Group, InboundRow, Member, Unit } from '../db/schema/index.js';
import type { AckHints } from './ack-classifier.js';
import type { CommandContext, CommandDef } from './command.js';
import type { CoreDeps } from './deps.js';
import { Refusal, UsageError } from './errors.js';
import type { Attachment, InboundMessage, Reply } from './message.js';
import { mayUse, placeOf, refusalFor, tierOf } from './permissions.js';
import { createRouter } from './router.js';
import { clip } from './text.js';

export type Dispatcher = (deps: CoreDeps, row: InboundRow) => Promise<Reply>;

const HINT = '发送 /帮助 查看可用指令。';
const NOT_UNDERSTOOD = `没看懂这条消息。${HINT}`;

/** The answer to a plain message not understood, where it may be given (checked like a command's `allow`, `where`, `reads`, `policy`). */
export interface UnclearAnswer extends Pick<CommandDef<unknown>, 'allow' | 'where' | 'reads' | 'policy' | 'words'> {
  /** @returns the answer, or null for the plain 没看懂. `mentionsAck`: the message had an acknowledgement word in it. */
  answer(ctx: CommandContext, mentionsAck: boolean): Promise<string | null>;
}

/** What runs for plain words (no command word), as the router reads them (see ack-classifier.ts). */
export interface PlainCommands {
  /** An acknowledgement (`收到`, `5号令已收到`): `parse` gets the item reference (`令第5号`) or ''. */
  ack: CommandDef<any>;
  /** "I did not get it" (`这边没收到`, `再发一遍`): `parse` gets the item reference or ''. */
  resend?: CommandDef<any>;
  /** "Which one?" (`是哪个令`): `parse` gets ''. */
  which?: CommandDef<any>;
  /** Anything else. */
  unclear?: UnclearAnswer;
}

/**
 * Builds the dispatcher over `commands`. Plain words run `plain.ack` (an acknowledgement, with the item it
 * names), `plain.resend` or `plain.which`; anything else is offered to the commands' follow-ups, then to
 * `plain.unclear`, else answered 没看懂. Where `resend`, `which` or `unclear` may not run for this sender and
 * group, the answer is 没看懂 too (a person who typed no command gets no refusal about one).
 * A command is checked against its `allow`, `where`, `ownUnitOnly` and `reads` before `parse`, and against its
 * `policy` after `parse` (unless `policyInRun`), see permissions.ts; a refusal is answered with its reason.
 * Each message gets a child of `log` bound to its ids (`ctx.log`); refusals and usage errors are logged there
 * (debug) with their code.
 * The returned function never throws a {@link Refusal} or {@link UsageError}: they become replies.
 * Other errors propagate (the inbox rolls back, logs them and still answers the person).
 */
export function createDispatcher(commands: readonly CommandDef<any>[], plain: PlainCommands, log: Logger): Dispatcher {
  const route = createRouter(commands);
  return async (deps, row) => {
    const mlog = log.child({ inboundId: row.id, platformMsgId: row.platformMsgId, conversationId: row.conversationId });
    const roster = rosterLookup(deps.db);
    const r = route(row.text, await hintsFor(roster, row));
    // a long word is cut: a person's text is never echoed at length
    if (r.kind === 'unknown-command') return { text: `没有指令 ${clip(r.word)}。${HINT}` };
    if (r.kind === 'chatter' || r.kind === 'resend' || r.kind === 'which') {
      const ctx = await contextFor(deps, roster, row, row.text, mlog);
      if (typeof ctx === 'string') return { text: NOT_UNDERSTOOD };
      const allowed = <T extends Parameters<typeof mayUse>[0]>(c: T | undefined): c is T => !!c && mayUse(c, ctx.sender, placeOf(ctx)).allowed;
      if (r.kind === 'chatter') {
        const reply = await followUp(commands, ctx);
        if (reply) return reply;
        const text = allowed(plain.unclear) ? await plain.unclear.answer(ctx, r.mentionsAck ?? false) : null;
        return { text: text ?? NOT_UNDERSTOOD };
      }
      const command = r.kind === 'resend' ? plain.resend : plain.which;
      if (!allowed(command)) return { text: NOT_UNDERSTOOD };
      return await runCommand(command, ctx, r.kind === 'resend' ? r.ref ?? '' : '');
    }
    const command = r.kind === 'command' ? r.command : plain.ack;
    const ctx = await contextFor(deps, roster, row, r.kind === 'plain-ack' ? r.words : row.text, mlog);
    if (typeof ctx === 'string') {
      mlog.debug({ code: 'GR_ERR_FORBIDDEN', command: command.name }, 'not in the roster');
      return { text: ctx };
    }
    const refusal = refusalFor(command, ctx.sender, { tier: ctx.tier, unit: ctx.groupUnit });
    if (refusal) {
      ctx.log.debug({ code: 'GR_ERR_FORBIDDEN', command: command.name }, 'command refused');
      return { text: refusal };
    }
    return await runCommand(command, ctx, r.kind === 'command' ? (command.verbatim ? r.rawArgs : r.args) : r.ref ?? '');
  };
}

/**
 * Parses, asks the command's `policy` (unless `policyInRun`), runs; a usage error is answered with the usage,
 * a refusal (thrown, or the policy's) with its reason.
 */
async function runCommand(command: CommandDef<any>, ctx: CommandContext, args: string): Promise<Reply> {
  try {
    const input = command.parse(args);
    if (command.policy && !command.policyInRun) {
      const verdict = command.policy(ctx.sender, placeOf(ctx));
      if (!verdict.allowed) throw new Refusal(verdict.refusal);
    }
    return await command.run(ctx, input);
  } catch (err) {
    if (err instanceof UsageError) {
      ctx.log.debug({ code: err.code, command: command.name }, 'usage error');
      return { text: `${err.message}。用法：${command.usage}` };
    }
    if (err instanceof Refusal) {
      ctx.log.debug({ code: err.code, command: command.name }, 'command refused');
      return { text: err.message };
    }
    throw err;
  }
}

/**
 * The names a sender may put in a plain message about itself (`周家坞村第1网格 覃雪 收到`): the sender's
 * name and unit, the group's title and its unit with the units above it. Empty for strangers.
 */
async function hintsFor(roster: RosterLookup, row: InboundRow): Promise<AckHints> {
  const names: string[] = [];
  const sender = await roster.member(row.senderId);
  if (sender) names.push(sender.name);
  const own = sender && await roster.unit(sender.unitId);
  if (own) names.push(own.name);
  const group = await roster.group(row.conversationId);
  if (group) names.push(group.title);
  let unit = group ? await roster.unit(group.unitId) : undefined;
  for (let depth = 0; unit && depth < 4; depth++) {
    names.push(unit.name);
    unit = unit.parentId ? await roster.unit(unit.parentId) : undefined;
  }
  return { names };
}

/** Roster rows looked up for one message, each read once (the hints and the context ask for the same ones). */
interface RosterLookup {
  member(id: string): Promise<Member | undefined>;
  group(conversationId: string): Promise<Group | undefined>;
  unit(id: string): Promise<Unit | undefined>;
}

function rosterLookup(db: CoreDeps['db']): RosterLookup {
  const once = <T>(read: (key: string) => Promise<T>) => {
    const seen = new Map<string, Promise<T>>();
    return (key: string) => seen.get(key) ?? seen.set(key, read(key)).get(key)!;
  };
  return { member: once((id) => getMember(db, id)), group: once((id) => getGroup(db, id)), unit: once((id) => getUnit(db, id)) };
}

/**
 * The command context of a stored message: its sender and group looked up in the roster; `log` bound to it.
 * @returns the context, or the refusal text when the sender or the group is not in the roster.
 */
async function contextFor(deps: CoreDeps, roster: RosterLookup, row: InboundRow, text: string, log: Logger): Promise<CommandContext | string> {
  const sender = await roster.member(row.senderId);
  if (!sender) return '你不在本县花名册中，暂不能使用指令。请联系指挥部管理员登记。';
  const group = await roster.group(row.conversationId);
  const groupUnit = group && await roster.unit(group.unitId);
  const tier = groupUnit && tierOf(groupUnit.kind);
  if (!group || !groupUnit || !tier) return '本群未登记在花名册中，暂不能使用指令。请联系指挥部管理员。';
  const senderUnit = await roster.unit(sender.unitId);
  if (!senderUnit) return '你的所属单位不在花名册中。请联系指挥部管理员。';
  const a = row.extra?.attachments;
  const message: InboundMessage & { inboundId: number } = {
    platform: row.platform,
    platformMsgId: row.platformMsgId,
    conversationId: row.conversationId,
    senderId: row.senderId,
    text,
    sentAt: row.receivedAt,
    inboundId: row.id,
    ...(Array.isArray(a) && a.length ? { attachments: a as Attachment[] } : {}),
    // sent by the drill script: what this message creates is a drill item
    ...(row.extra?.drill === true ? { drill: true } : {}),
  };
  const now = deps.now();
  // the person acted when the message was received; a platform clock ahead of ours is not believed
  const received = row.receivedAt.getTime();
  const receivedAt = Number.isFinite(received) && received <= now.getTime() ? row.receivedAt : now;
  return { deps, message, sender, senderUnit, group, groupUnit, tier, now, receivedAt, log };
}

/** Offers a non-command message with attachments to the commands that take follow-ups; the first reply wins. */
async function followUp(commands: readonly CommandDef<any>[], ctx: CommandContext): Promise<Reply | null> {
  const attachments = ctx.message.attachments;
  if (!attachments?.length) return null;
  for (const c of commands) {
    if (!c.followUp || !mayUse(c, ctx.sender, placeOf(ctx)).allowed) continue;
    const reply = await c.followUp(ctx, attachments);
    if (reply) return reply;
  }
  return null;
}
