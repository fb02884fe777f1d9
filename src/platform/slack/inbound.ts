/**
 * Slack payloads → the core's InboundMessage, and the Bolt listeners that hand them to the core: @-mentions
 * of the bot (mention stripped), registered slash commands (translated to the Chinese command words) and
 * clicks on the acknowledgement button of relays (→ `/收到 令N`). Each is stored (`await sink(msg)`) before
 * the listener returns, so the receivers ack Slack only after that.
 */
import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import type { InboundMessage } from '../../core/message.js';
import type { InboundSink } from '../port.js';
import { ACK_ACTION_ID } from './format.js';
import { fileAttachments, slackToPlain, stripLeadingMentions, translateSlash, type SlackFile } from './parse.js';
import { errorFields } from '../../core/errors.js';

/** The fields of an `app_mention` / `message` event we read. */
export interface SlackMessageEvent {
  channel?: string;
  user?: string;
  text?: string;
  ts?: string;
  thread_ts?: string;
  files?: SlackFile[];
}

/**
 * An @-mention event as an InboundMessage. `platformMsgId` = `channel:ts` — the message's own identity,
 * the same on every retry (`x-slack-retry-num`) and whichever event type delivers it.
 * @returns null when channel, user or ts is missing (bots, edits)
 */
export function mentionToInbound(event: SlackMessageEvent): InboundMessage | null {
  if (!event.channel || !event.user || !event.ts) return null;
  const msg: InboundMessage = {
    platform: 'slack',
    platformMsgId: `${event.channel}:${event.ts}`,
    conversationId: event.channel,
    senderId: event.user,
    text: slackToPlain(stripLeadingMentions(event.text ?? '')),
    sentAt: new Date(Math.round(Number(event.ts) * 1000)),
  };
  const attachments = fileAttachments(event.files);
  if (attachments.length) msg.attachments = attachments;
  if (event.thread_ts) msg.replyContext = { threadTs: event.thread_ts };
  return msg;
}

/** The fields of a slash command payload we read. */
export interface SlashPayload {
  command: string;
  text?: string;
  channel_id: string;
  user_id: string;
  trigger_id: string;
}

/** A slash command as an InboundMessage; `platformMsgId` = `cmd:<trigger_id>` (Slack does not retry commands). */
export function slashToInbound(cmd: SlashPayload): InboundMessage {
  return {
    platform: 'slack',
    platformMsgId: `cmd:${cmd.trigger_id}`,
    conversationId: cmd.channel_id,
    senderId: cmd.user_id,
    text: translateSlash(cmd.command, slackToPlain(cmd.text ?? '')),
  };
}

/** The fields of a `block_actions` payload (a button click) we read. */
export interface BlockActionPayload {
  type?: string;
  trigger_id?: string;
  user?: { id?: string };
  channel?: { id?: string };
  container?: { channel_id?: string; message_ts?: string };
  actions?: { action_id?: string; value?: string; action_ts?: string }[];
}

/** Only acknowledgement commands may come from a button (its `value` is ours, but stay strict). */
const ACK_COMMAND = /^\/(收到|ack)(\s|$)/;

/**
 * A click on the acknowledgement button (`action_id` = `actionId`) as an InboundMessage: the button's
 * `value` (e.g. `/收到 令17`) from the clicker in that channel. `platformMsgId` = `act:<trigger_id>`
 * (else `act:<channel>:<action_ts>:<user>`), so a redelivered payload is processed once.
 * @returns null when the payload lacks the user, channel or our action, or the value is not an acknowledgement
 */
export function blockActionToInbound(payload: BlockActionPayload, actionId: string): InboundMessage | null {
  const action = (payload.actions ?? []).find((a) => a.action_id === actionId);
  const channel = payload.channel?.id ?? payload.container?.channel_id;
  const user = payload.user?.id;
  if (!action || !channel || !user) return null;
  const text = (action.value ?? '').trim();
  if (!ACK_COMMAND.test(text)) return null;
  const key = payload.trigger_id ? payload.trigger_id : `${channel}:${action.action_ts ?? ''}:${user}`;
  return { platform: 'slack', platformMsgId: `act:${key}`, conversationId: channel, senderId: user, text };
}

/** Counters for `health()`: messages by kind, and deliveries the core already had. */
export interface InboundStats {
  mentions: number;
  commands: number;
  buttons: number;
  duplicates: number;
}

/**
 * Registers the adapter's Bolt listeners on `app`: `app_mention` events, every slash command, and the
 * acknowledgement button ({@link ACK_ACTION_ID}). A listener that fails (not receiving, storing failed)
 * throws, so the receiver does not ack and Slack redelivers; the redelivery is deduplicated.
 */
export function registerListeners(app: App, deps: { sink: () => InboundSink | null; log: Logger; stats: InboundStats }): void {
  const { log, stats } = deps;
  const accept = async (msg: InboundMessage): Promise<void> => {
    const sink = deps.sink();
    if (!sink) throw new Error('not receiving');
    if ((await sink(msg)) === 'duplicate') stats.duplicates++;
  };
  app.event('app_mention', async ({ event }) => {
    const msg = mentionToInbound(event as SlackMessageEvent);
    if (!msg) return;
    stats.mentions++;
    await accept(msg);
  });
  app.command(/.*/, async ({ command, ack }) => {
    stats.commands++;
    await accept(slashToInbound(command as SlashPayload));
    await ack();
  });
  // the acknowledgement button on relays: stored as `/收到 令N` from the clicker, then acked (well within 3 s)
  app.action(ACK_ACTION_ID, async ({ body, ack }) => {
    const msg = blockActionToInbound(body as BlockActionPayload, ACK_ACTION_ID);
    if (msg) {
      stats.buttons++;
      await accept(msg);
    }
    await ack();
  });
  app.error(async (err) => {
    log.error({ ...errorFields(err) }, 'slack: listener failed');
    throw err; // → the receiver answers 500 and Slack retries; the retry is deduplicated
  });
}
