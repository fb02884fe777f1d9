/**
 * Slack payloads → the core's InboundMessage. Slack only routes registered slash commands, so they have
 * English names; each is translated into gridrelay's Chinese command word. After an @-mention the
 * Chinese words work as they are. Pure.
 */
import type { InboundMessage } from '../../core/message.js';

/** Registered Slack slash command → gridrelay command word. Unknown ones pass through unchanged. */
export const SLASH_COMMANDS: Readonly<Record<string, string>> = {
  '/directive': '/令',
  '/notice': '/通告',
  '/ack': '/收到',
  '/progress': '/进度',
  '/help': '/帮助',
  '/report': '/上报',
  '/task': '/任务',
  '/done': '/完成',
  '/stats': '/统计',
  '/amend': '/更正',
  '/revoke': '/撤回',
};

/**
 * Slack message text as the person wrote it. Slack sends `&`, `<`, `>` escaped (`&amp;` `&lt;` `&gt;`) and
 * marks mentions and links up as `<…>`: those become readable text — `<@U1|ann>` → `@ann`, `<@U1>` →
 * `@U1`, `<#C1|general>` → `#general`, `<!channel>` → `@channel`, `<!here|x>` → `@here`,
 * `<!subteam^S1|@ops>` → `@ops`, `<https://x.org|site>` → `site (https://x.org)` — and the text is
 * unescaped once, so `a &lt;b` is `a <b` (sent back escaped, it shows as written). Pure.
 */
export function slackToPlain(text: string): string {
  return text
    .replace(/<([^<>|]*)(?:\|([^<>]*))?>/g, (_m, target: string, label: string | undefined) => {
      const kind = target[0];
      if (kind === '@' || kind === '#') return `${kind}${label?.replace(/^[@#]/, '') || target.slice(1)}`;
      if (kind === '!') {
        const name = target.slice(1).split('^')[0]!;
        if (name === 'date') return label ?? '';
        if (name === 'subteam') return `@${label?.replace(/^@/, '') || 'subteam'}`;
        return `@${name}`; // channel, here, everyone: the label cannot rename them
      }
      if (!label || label === target || target.replace(/^(mailto:|tel:|https?:\/\/)/, '') === label) return label ?? target;
      return `${label} (${target})`;
    })
    .replace(/&(amp|lt|gt);/g, (_m, e: string) => (e === 'amp' ? '&' : e === 'lt' ? '<' : '>'));
}

/** Removes `<@U…>` / `<@U…|name>` mentions at the start of a message, and surrounding space. */
export function stripLeadingMentions(text: string): string {
  return text.replace(/^\s*(<@[A-Z0-9]+(\|[^>]*)?>\s*)+/i, '').trim();
}

/** Turns `/directive 文本` (command + text) into `/令 文本`. */
export function translateSlash(command: string, text: string): string {
  const word = SLASH_COMMANDS[command.toLowerCase()] ?? command;
  return `${word} ${text}`.trim();
}

/** The fields of an `app_mention` / `message` event we read. */
export interface SlackMessageEvent {
  channel?: string;
  user?: string;
  text?: string;
  ts?: string;
  thread_ts?: string;
  files?: { id?: string; url_private?: string; mimetype?: string }[];
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
  const files = (event.files ?? []).filter((f) => f.id);
  if (files.length) msg.attachments = files.map((f) => ({ kind: f.mimetype?.startsWith('image/') ? 'picture' : 'file', ref: f.url_private ?? f.id! }));
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
