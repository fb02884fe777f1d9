/**
 * Slack sends: `chat.postMessage {channel, text, mrkdwn, blocks?}` through Bolt's WebClient (its own retries
 * off — the outbox retries). Text and blocks come from format.ts (escaped; our mentions live), failures are
 * classified by errors.ts.
 */
import type { OutboundMessage } from '../../core/message.js';
import type { SendReceipt } from '../port.js';
import { classifySlackError } from './errors.js';
import { blocksFor, messageText, type SlackBlock } from './format.js';

/** The slice of `WebClient` we use. */
export interface ChatClient {
  chat: { postMessage(args: { channel: string; text: string; mrkdwn?: boolean; link_names?: boolean; thread_ts?: string; blocks?: SlackBlock[] }): Promise<{ ok?: boolean; ts?: string; error?: string }> };
}

/**
 * Posts one message (in the thread it answers, if any). @returns `platformRef` = the message `ts`
 * @throws PlatformError retry / throttled / permanent
 */
export async function postMessage(client: ChatClient, msg: OutboundMessage): Promise<SendReceipt> {
  const threadTs = msg.replyTo?.replyContext?.threadTs;
  const text = messageText(msg);
  const blocks = blocksFor(text, msg);
  try {
    const res = await client.chat.postMessage({
      channel: msg.conversationId,
      text,
      mrkdwn: true,
      link_names: false,
      ...(blocks ? { blocks } : {}),
      ...(typeof threadTs === 'string' ? { thread_ts: threadTs } : {}),
    });
    return { platformRef: res.ts ?? '' };
  } catch (err) {
    throw classifySlackError(err);
  }
}
