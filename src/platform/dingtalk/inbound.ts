/**
 * DingTalk robot messages → the core's InboundMessage. One robot CALLBACK frame: parse → `await
 * sink(msg)` (durably stored, deduplicated by `robotCode:msgId`) → ack the frame on the connection it
 * came on. The core processes it afterwards. If storing fails the frame is not acked, so DingTalk
 * redelivers it (16–60 s later). Never throws.
 */
import type { DWClientDownStream } from 'dingtalk-stream';
import type { Logger } from 'pino';
import type { InboundMessage } from '../../core/message.js';
import type { InboundSink } from '../port.js';
import type { GatewayClient } from './gateway-client.js';
import { readContent, type RobotMessage } from './parse.js';

/** Why a robot message was not turned into an InboundMessage. */
export type ParseFailure = { reason: string };

/** The reply context kept with an inbound message (opaque to the core, read back by outbound.ts). */
export interface DingTalkReplyContext {
  sessionWebhook: string;
  /** Epoch milliseconds. */
  sessionWebhookExpiredTime: number;
  robotCode?: string;
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

  const { text, attachments } = readContent(m);
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

export interface InboundStats {
  callbacks: number;
  accepted: number;
  duplicates: number;
  unparsable: number;
  sinkErrors: number;
  acks: number;
}

/**
 * Builds the CALLBACK handler the connection manager calls for every robot frame. `onStored`, if given, runs
 * after a message is stored (accepted or duplicate) and before its frame is acked — the adapter keeps the
 * group's session webhook there (webhooks.ts); its failure is logged, never thrown, and does not block the ack.
 */
export function callbackHandler(deps: { sink: () => InboundSink | null; robotCode: string; log: Logger; stats: InboundStats; onStored?: (msg: InboundMessage) => Promise<void> }) {
  const { log, stats } = deps;
  return (frame: DWClientDownStream, client: GatewayClient): void => {
    void (async () => {
      stats.callbacks++;
      const messageId = frame.headers?.messageId;
      const msg = parseRobotMessage(frame.data, deps.robotCode);
      if (isParseFailure(msg)) {
        stats.unparsable++;
        log.warn({ messageId, reason: msg.reason }, 'dingtalk: robot message not understood; acked and dropped');
      } else {
        const sink = deps.sink();
        if (!sink) {
          log.warn({ messageId }, 'dingtalk: not receiving (stopping); left unacked for redelivery');
          return;
        }
        const result = await sink(msg);
        stats[result === 'duplicate' ? 'duplicates' : 'accepted']++;
        await deps.onStored?.(msg).catch((err: unknown) => log.warn({ messageId, err: err instanceof Error ? err.message : String(err) }, 'dingtalk: keeping the group’s session webhook failed'));
      }
      if (messageId) {
        client.ack(messageId);
        stats.acks++;
      }
    })().catch((err) => {
      stats.sinkErrors++;
      log.error({ messageId: frame.headers?.messageId, err: err instanceof Error ? err.message : String(err) }, 'dingtalk: storing a message failed; not acked');
    });
  };
}
