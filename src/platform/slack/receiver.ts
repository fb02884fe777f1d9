/**
 * A Bolt receiver on gridrelay's own fastify server: `POST /slack/events` (Events API, slash commands and
 * interactivity all point here). It verifies Slack's signature on the raw body (`verifySlackRequest`),
 * answers `url_verification`, and responds only after Bolt's listeners ran — so a message is stored
 * before Slack hears "200" (a failure answers 500, and Slack retries). Listeners must finish well within
 * Slack's 3 s (ours only store the message).
 */
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import { verifySlackRequest } from '@slack/bolt';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';

/** The path Slack's Request URL, slash commands and interactivity must point at. */
export const SLACK_EVENTS_PATH = '/slack/events';

export class FastifyReceiver implements Receiver {
  private app: App | null = null;
  /** Whether `start()` was called and `stop()` not yet. */
  private running = false;
  readonly stats = { requests: 0, badSignatures: 0, retries: 0 };

  constructor(
    private readonly signingSecret: string,
    private readonly log: Logger,
  ) {}

  init(app: App): void {
    this.app = app;
  }

  async start(): Promise<void> {
    this.running = true;
  }

  async stop(): Promise<void> {
    this.running = false;
  }

  /** Registers `POST /slack/events` (raw-body JSON and form parsers, encapsulated to this route). */
  register(http: FastifyInstance): void {
    void http.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
      scope.post(SLACK_EVENTS_PATH, (req, reply) => this.handle(req, reply));
    });
  }

  private async handle(req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    this.stats.requests++;
    const raw = typeof req.body === 'string' ? req.body : '';
    try {
      verifySlackRequest({
        signingSecret: this.signingSecret,
        body: raw,
        headers: {
          'x-slack-signature': String(req.headers['x-slack-signature'] ?? ''),
          'x-slack-request-timestamp': Number(req.headers['x-slack-request-timestamp'] ?? 0),
        },
      });
    } catch (err) {
      this.stats.badSignatures++;
      this.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'slack: request signature refused');
      return reply.code(401).send({ error: 'invalid signature' });
    }
    const body = parseBody(raw, String(req.headers['content-type'] ?? ''));
    if (body.type === 'url_verification') return reply.send({ challenge: body.challenge });
    if (!this.app || !this.running) return reply.code(503).send({ error: 'not receiving' });

    const retryNum = Number(req.headers['x-slack-retry-num'] ?? 0) || undefined;
    if (retryNum) this.stats.retries++;
    let ackBody: unknown;
    const event: ReceiverEvent = {
      body,
      ...(retryNum ? { retryNum, retryReason: String(req.headers['x-slack-retry-reason'] ?? '') } : {}),
      ack: async (response?: unknown) => {
        ackBody = response;
      },
    };
    try {
      await this.app.processEvent(event);
    } catch (err) {
      this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'slack: event not processed; Slack will retry');
      return reply.code(500).send({ error: 'not processed' });
    }
    if (ackBody === undefined || ackBody === '') return reply.code(200).send('');
    return reply.code(200).send(ackBody);
  }
}

/** Slack sends JSON (events) or form data (slash commands; interactivity as a `payload` JSON field). */
export function parseBody(raw: string, contentType: string): Record<string, any> {
  try {
    if (contentType.includes('application/json')) return JSON.parse(raw) as Record<string, any>;
    const form = Object.fromEntries(new URLSearchParams(raw));
    if (typeof form.payload === 'string') return JSON.parse(form.payload) as Record<string, any>;
    return form;
  } catch {
    return {};
  }
}
