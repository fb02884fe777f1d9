/**
 * DingTalk robot message (the `data` of a Stream CALLBACK on `/v1.0/im/bot/messages/get`) → the core's
 * InboundMessage. Pure; lenient about extra or missing fields.
 */
import type { Attachment, InboundMessage } from '../../core/message.js';

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

/** Why a robot message was not turned into an InboundMessage. */
export type ParseFailure = { reason: string };

/** The reply context kept with an inbound message (opaque to the core, read back by outbound.ts). */
export interface DingTalkReplyContext {
  sessionWebhook: string;
  /** Epoch milliseconds. */
  sessionWebhookExpiredTime: number;
  robotCode?: string;
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
 * Parses the JSON string (or object) of a robot message.
 * @param fallbackRobotCode used in the dedup key when the message lacks `robotCode`
 * @returns the InboundMessage (`platformMsgId` = `robotCode:msgId`, `senderId` = `senderStaffId`), or a
 *   ParseFailure naming what is missing (the caller acks it anyway: a redelivery would not parse either).
 */
export function parseRobotMessage(data: string | RobotMessage, fallbackRobotCode: string): InboundMessage | ParseFailure {
  let m: RobotMessage;
  try {
    m = typeof data === 'string' ? (JSON.parse(data) as RobotMessage) : data;
  } catch {
    return { reason: 'data is not JSON' };
  }
  if (!m || typeof m !== 'object') return { reason: 'data is not an object' };
  if (!m.msgId) return { reason: 'no msgId' };
  if (!m.conversationId) return { reason: 'no conversationId' };
  const senderId = m.senderStaffId || m.senderId;
  if (!senderId) return { reason: 'no senderStaffId' };

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

  const robotCode = m.robotCode || fallbackRobotCode;
  const msg: InboundMessage = {
    platform: 'dingtalk',
    platformMsgId: `${robotCode}:${m.msgId}`,
    conversationId: m.conversationId,
    senderId,
    text,
  };
  if (typeof m.createAt === 'number') msg.sentAt = new Date(m.createAt);
  if (attachments.length) msg.attachments = attachments;
  if (m.sessionWebhook) {
    const ctx: DingTalkReplyContext = {
      sessionWebhook: m.sessionWebhook,
      sessionWebhookExpiredTime: Number(m.sessionWebhookExpiredTime ?? 0),
      ...(m.robotCode ? { robotCode: m.robotCode } : {}),
    };
    msg.replyContext = { ...ctx };
  }
  return msg;
}

/** Type guard: the result of {@link parseRobotMessage} is a failure. */
export function isParseFailure(r: InboundMessage | ParseFailure): r is ParseFailure {
  return 'reason' in r;
}
