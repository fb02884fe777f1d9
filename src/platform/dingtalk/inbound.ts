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
 * One kind of CALLBACK frame to store through the sink and answer (a robot message, a card press): how its data
 * becomes a message, what happens after it is stored, how the frame is answered, and the counters of each outcome.
 */
export interface FrameRoute {
  /** What the frames are, for the log (`robot message`, `card callback`). */
  what: string;
  /** The frame's data as the core's message, or why it is not one (then the frame is answered and dropped). */
  parse(data: string, messageId: string): InboundMessage | ParseFailure;
  /** Runs after the message is stored (new or duplicate), before the frame is answered; its failure is logged only. */
  afterStore?(msg: InboundMessage): Promise<void>;
  /** Answers the frame on the connection it came on. */
  answer(client: GatewayClient, messageId: string): void;
  /** Counts an outcome: a frame came, was not understood, was stored new or again, was answered, storing failed. */
  count(outcome: 'frame' | 'unreadable' | 'accepted' | 'duplicate' | 'answered' | 'sinkError'): void;
}

/**
 * The handler of one kind of CALLBACK frame: parse → `await sink(msg)` (durably stored, deduplicated) → answer the
 * frame on its connection. Not understood: answered and dropped (a redelivery would not parse either). No sink
 * (stopping) or storing failed: left unanswered, so DingTalk redelivers it. Never throws.
 */
export function storeThenAnswer(route: FrameRoute, deps: { sink: () => InboundSink | null; log: Logger }) {
  const { log } = deps;
  return (frame: DWClientDownStream, client: GatewayClient): void => {
    const messageId = frame.headers?.messageId ?? '';
    void (async () => {
      route.count('frame');
      const msg = route.parse(frame.data, messageId);
      if (isParseFailure(msg)) {
        route.count('unreadable');
        log.warn({ messageId, reason: msg.reason }, `dingtalk: ${route.what} not understood; answered and dropped`);
      } else {
        const sink = deps.sink();
        if (!sink) {
          log.warn({ messageId }, `dingtalk: not receiving (stopping); ${route.what} left unanswered for redelivery`);
          return;
        }
        route.count((await sink(msg)) === 'duplicate' ? 'duplicate' : 'accepted');
        await route.afterStore?.(msg).catch((err: unknown) => log.warn({ messageId, err: err instanceof Error ? err.message : String(err) }, `dingtalk: after storing a ${route.what}`));
      }
      if (messageId) {
        route.answer(client, messageId);
        route.count('answered');
      }
    })().catch((err) => {
      route.count('sinkError');
      log.error({ messageId, err: err instanceof Error ? err.message : String(err) }, `dingtalk: storing a ${route.what} failed; not answered`);
    });
  };
}

/**
 * Builds the CALLBACK handler the connection manager calls for every robot frame ({@link storeThenAnswer}, acked with
 * `ack`). `onStored`, if given, runs after a message is stored (accepted or duplicate) and before its frame is acked —
 * the adapter keeps the group's session webhook there (webhooks.ts); its failure is logged, never thrown, and does not
 * block the ack.
 */
export function callbackHandler(deps: { sink: () => InboundSink | null; robotCode: string; log: Logger; stats: InboundStats; onStored?: (msg: InboundMessage) => Promise<void> }) {
  const { stats } = deps;
  const counter: Record<Parameters<FrameRoute['count']>[0], keyof InboundStats> = {
    frame: 'callbacks', unreadable: 'unparsable', accepted: 'accepted', duplicate: 'duplicates', answered: 'acks', sinkError: 'sinkErrors',
  };
  return storeThenAnswer(
    {
      what: 'robot message',
      parse: (data) => parseRobotMessage(data, deps.robotCode),
      ...(deps.onStored ? { afterStore: deps.onStored } : {}),
      answer: (client, messageId) => client.ack(messageId),
      count: (outcome) => void stats[counter[outcome]]++,
    },
    deps,
  );
}
