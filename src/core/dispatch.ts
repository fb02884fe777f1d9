/**
 * One inbound message → one reply: route, check the sender and group against the roster and the
 * permission matrix, parse, run. Runs inside the message's write transaction.
 */
import { getGroup, getMember, getUnit } from '../db/queries/roster.js';
import type { InboundRow } from '../db/schema/index.js';
import type { CommandContext, CommandDef, CoreDeps } from './command.js';
import { GridrelayError, UsageError } from './errors.js';
import type { Attachment, InboundMessage, Reply } from './message.js';
import { refusalFor, tierOf } from './permissions.js';
import { createRouter } from './router.js';

export type Dispatcher = (deps: CoreDeps, row: InboundRow) => Reply;

const HINT = '发送 /帮助 查看可用指令。';

/**
 * Builds the dispatcher over `commands`; a plain acknowledgement word runs `ackCommand` with no arguments.
 * The returned function never throws a {@link GridrelayError}: refusals and usage errors become replies.
 * Other errors propagate (the inbox rolls back, logs them and still answers the person).
 */
export function createDispatcher(commands: readonly CommandDef<any>[], ackCommand: CommandDef<any>): Dispatcher {
  const route = createRouter(commands);
  return (deps, row) => {
    const r = route(row.text);
    if (r.kind === 'chatter') {
      const ctx = contextFor(deps, row, row.text);
      return (typeof ctx === 'string' ? null : followUp(commands, ctx)) ?? { text: `没看懂这条消息。${HINT}` };
    }
    // a long word is cut: a person's text is never echoed at length
    if (r.kind === 'unknown-command') return { text: `没有指令 ${r.word.length > 24 ? `${r.word.slice(0, 24)}…` : r.word}。${HINT}` };
    const command = r.kind === 'command' ? r.command : ackCommand;
    const ctx = contextFor(deps, row, r.kind === 'plain-ack' ? r.words : row.text);
    if (typeof ctx === 'string') return { text: ctx };
    const refusal = refusalFor(command, ctx.sender, { tier: ctx.tier, unit: ctx.groupUnit });
    if (refusal) return { text: refusal };
    try {
      const args = r.kind !== 'command' ? '' : command.verbatim ? r.rawArgs : r.args;
      return command.run(ctx, command.parse(args));
    } catch (err) {
      if (err instanceof UsageError) return { text: `${err.message}。用法：${command.usage}` };
      if (err instanceof GridrelayError) return { text: err.message };
      throw err;
    }
  };
}

/**
 * The command context of a stored message: its sender and group looked up in the roster.
 * @returns the context, or the refusal text when the sender or the group is not in the roster.
 */
function contextFor(deps: CoreDeps, row: InboundRow, text: string): CommandContext | string {
  const { db } = deps;
  const sender = getMember(db, row.senderId);
  if (!sender) return '你不在本县花名册中，暂不能使用指令。请联系指挥部管理员登记。';
  const group = getGroup(db, row.conversationId);
  const groupUnit = group && getUnit(db, group.unitId);
  const tier = groupUnit && tierOf(groupUnit.kind);
  if (!group || !groupUnit || !tier) return '本群未登记在花名册中，暂不能使用指令。请联系指挥部管理员。';
  const senderUnit = getUnit(db, sender.unitId);
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
  };
  const now = deps.now();
  // the person acted when the message was received; a platform clock ahead of ours is not believed
  const received = row.receivedAt.getTime();
  const receivedAt = Number.isFinite(received) && received <= now.getTime() ? row.receivedAt : now;
  return { deps, message, sender, senderUnit, group, groupUnit, tier, now, receivedAt };
}

/** Offers a non-command message with attachments to the commands that take follow-ups; the first reply wins. */
function followUp(commands: readonly CommandDef<any>[], ctx: CommandContext): Reply | null {
  const attachments = ctx.message.attachments;
  if (!attachments?.length) return null;
  for (const c of commands) {
    if (!c.followUp || refusalFor(c, ctx.sender, { tier: ctx.tier, unit: ctx.groupUnit })) continue;
    const reply = c.followUp(ctx, attachments);
    if (reply) return reply;
  }
  return null;
}
