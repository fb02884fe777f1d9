/**
 * The core's message → Slack text and Block Kit. The text is escaped the way Slack asks (`&` `<` `>` →
 * `&amp;` `&lt;` `&gt;`), so nothing a person wrote can become a live `<!channel>`, `<!here>`,
 * `<!subteam^…>`, `<@U…>` or link; the mentions we intend (`mentions`, roster member ids) are added after
 * escaping as `<@member_id>`. A message with an `ack` action carries a Block Kit button
 * (`action_id: gridrelay_ack`); `text` stays as the notification fallback. Pure.
 */
import type { OutboundMessage } from '../../core/message.js';

/** The Block Kit blocks we post (a section with the text, an actions row with buttons). */
export type SlackBlock =
  | { type: 'section'; text: { type: 'mrkdwn'; text: string } }
  | { type: 'actions'; block_id: string; elements: { type: 'button'; action_id: string; text: { type: 'plain_text'; text: string }; value: string; style?: 'primary' }[] };

/** `action_id` of the acknowledgement button; a click becomes the button's `value` (e.g. `/收到 令17`) from the clicker. */
export const ACK_ACTION_ID = 'gridrelay_ack';

/** Slack caps a section's text at 3,000 characters; a longer message is posted without buttons (text only). */
const SECTION_MAX = 3000;

/**
 * Block Kit for a message that offers actions: the text as a section, then one button per `ack` action
 * (`action_id` {@link ACK_ACTION_ID}, `value` = the action's command). Undefined when there is nothing to
 * render or the text is too long for a section.
 */
export function blocksFor(text: string, msg: Pick<OutboundMessage, 'actions' | 'id'>): SlackBlock[] | undefined {
  const acks = (msg.actions ?? []).filter((a) => a.kind === 'ack');
  if (acks.length === 0 || text.length > SECTION_MAX) return undefined;
  return [
    { type: 'section', text: { type: 'mrkdwn', text } },
    {
      type: 'actions',
      block_id: `gridrelay-${msg.id}`,
      elements: acks.map((a) => ({ type: 'button', action_id: ACK_ACTION_ID, text: { type: 'plain_text', text: a.label }, value: a.command, style: 'primary' })),
    },
  ];
}

/** Slack's escaping of message text: `&` → `&amp;`, `<` → `&lt;`, `>` → `&gt;` (nothing else). Pure. */
export function escapeSlack(text: string): string {
  return text.replace(/[&<>]/g, (ch) => (ch === '&' ? '&amp;' : ch === '<' ? '&lt;' : '&gt;'));
}

/** A member id we can put inside `<@…>`: letters, digits, `.`, `_`, `-` (Slack ids are like `U024BE7LH`). */
const MENTIONABLE = /^[A-Za-z0-9._-]{1,64}$/;

/** The mentions of `ids` as Slack text: `<@id>` each; an id that could break out of `<@…>` is written as plain, escaped `@id`. */
export function mentionText(ids: readonly string[]): string {
  return ids.map((id) => (MENTIONABLE.test(id) ? `<@${id}>` : `@${escapeSlack(id)}`)).join(' ');
}

/** The `text` of a post: the mentions ({@link mentionText}), a space, then the markdown (else plain) text escaped. */
export function messageText(msg: Pick<OutboundMessage, 'text' | 'markdown' | 'mentions'>): string {
  const mentions = mentionText(msg.mentions ?? []);
  const body = escapeSlack(msg.markdown ?? msg.text);
  return mentions ? `${mentions} ${body}` : body;
}
