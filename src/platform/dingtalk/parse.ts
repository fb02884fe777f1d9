/**
 * The text, mentions and attachments of a DingTalk robot message (the `data` of a Stream CALLBACK on
 * `/v1.0/im/bot/messages/get`). Pure; lenient about extra or missing fields. Turning a whole robot
 * message into the core's InboundMessage is inbound.ts.
 */
import type { Attachment } from '../../core/message.js';

/** The documented fields of a robot message we read; real traffic may carry more. */
export interface RobotMessage {
  conversationId?: string;
  conversationType?: string;
  msgId?: string;
  senderStaffId?: string;
  senderId?: string;
  senderNick?: string;
  sessionWebhook?: string;
  /** Epoch milliseconds. */
  sessionWebhookExpiredTime?: number;
  createAt?: number;
  robotCode?: string;
  msgtype?: string;
  text?: { content?: string };
  content?: {
    downloadCode?: string;
    pictureDownloadCode?: string;
    richText?: { text?: string; type?: string; downloadCode?: string; pictureDownloadCode?: string }[];
  };
  atUsers?: { dingtalkId?: string; staffId?: string }[];
}

/** Removes the leading space and any `@name` mentions DingTalk leaves in `text.content`. */
export function stripMentions(content: string): string {
  return content
    .replace(/^\s+/, '')
    .replace(/^(@\S+\s*)+/, '')
    .replace(/\s+@\S+\s*$/, '')
    .trim();
}

/**
 * The text (mentions stripped) and attachments of a robot message, by `msgtype`: `text` (or none) →
 * its content; `picture` → one picture (its download code); `richText` → the text parts joined, each
 * picture part an attachment; anything else (files, audio, video…) → whatever text it has and its
 * download code as a file, so the person still gets an answer.
 */
export function readContent(m: RobotMessage): { text: string; attachments: Attachment[] } {
  const attachments: Attachment[] = [];
  let text = '';
  switch (m.msgtype) {
    case 'text':
    case undefined:
      text = stripMentions(m.text?.content ?? '');
      break;
    case 'picture': {
      const ref = m.content?.downloadCode ?? m.content?.pictureDownloadCode;
      if (ref) attachments.push({ kind: 'picture', ref });
      break;
    }
    case 'richText': {
      const parts: string[] = [];
      for (const part of m.content?.richText ?? []) {
        if (typeof part.text === 'string') parts.push(part.text);
        const ref = part.downloadCode ?? part.pictureDownloadCode;
        if (ref) attachments.push({ kind: 'picture', ref });
      }
      text = stripMentions(parts.join(''));
      break;
    }
    default:
      // files, audio, video…: keep what can be kept so the person still gets an answer
      text = stripMentions(m.text?.content ?? '');
      if (m.content?.downloadCode) attachments.push({ kind: 'file', ref: m.content.downloadCode });
  }
  return { text, attachments };
}
