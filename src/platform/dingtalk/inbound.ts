/**
 * One robot CALLBACK frame: parse → `await sink(msg)` (durably stored, deduplicated by
 * `robotCode:msgId`) → ack the frame on the connection it came on. The core processes it afterwards.
 * If storing fails the frame is not acked, so DingTalk redelivers it (16–60 s later). Never throws.
 */
import type { DWClientDownStream } from 'dingtalk-stream';
import type { Logger } from 'pino';
import type { InboundSink } from '../port.js';
import type { GatewayClient } from './gateway-client.js';
import { isParseFailure, parseRobotMessage } from './parse.js';

export interface InboundStats {
  callbacks: number;
  accepted: number;
  duplicates: number;
  unparsable: number;
  sinkErrors: number;
  acks: number;
}

/** Builds the CALLBACK handler the connection manager calls for every robot frame. */
export function callbackHandler(deps: { sink: () => InboundSink | null; robotCode: string; log: Logger; stats: InboundStats }) {
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
