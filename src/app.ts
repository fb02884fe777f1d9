/**
 * buildApp(config) wires gridrelay together: SQLite, Redis, the platform adapter (the only place that
 * picks one), the inbox, the outbox, read-receipt polls (platforms that report reads) and the HTTP
 * server. Stop order: leader lease (inbound connection closed, lease given back) → drill → adapter → HTTP →
 * inbox → timers → receipt polls → outbox worker (in-flight sends finish) → queues → Redis → SQLite.
 *
 * Several processes may share one database and Redis: each serves HTTP and runs the workers, but a
 * platform inbound connection that only one process may hold (`adapter.exclusiveInbound`: DingTalk
 * Stream, Slack Socket Mode) is opened only by the holder of the leader lease (src/jobs/leader.ts),
 * and closed when it loses it. The console and Slack over HTTP have none: every process is leader.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { COMMANDS, PLAIN_COMMANDS } from '../commands/index.js';
import { helpCommands } from '../commands/help.js';
import { registerWorkflowTimers } from '../workflows/index.js';
import { noteFailedSend } from '../workflows/delivery/index.js';
import { TaskRecurrence, cancelRetiredSyncTimers } from '../workflows/task/recurrence.js';
import { pollReadReceipts, replanRecentPolls } from '../workflows/directive/receipts.js';
import { platformOf, type Config } from './config.js';
import type { CoreDeps } from './core/deps.js';
import { createDispatcher } from './core/dispatch.js';
import { Inbox } from './core/inbox.js';
import { Outbox } from './core/outbox.js';
import { Timers } from './jobs/timer-queue.js';
import { ReceiptPoller } from './jobs/receipts.js';
import { closeDb, instanceId, openDb, type Db } from './db/client.js';
import { getDirective } from './db/queries/directives.js';
import { checkRedisEviction, createJobsConnection, type JobsConnection } from './jobs/queues.js';
import { flushCommitted } from './jobs/unit-of-work.js';
import { Leadership, leaderKey, soleLeader, type LeaderView } from './jobs/leader.js';
import { healthRoutes } from './http/healthz.js';
import { DailyDigest } from './jobs/digest.js';
import { ErrandCutoff } from './jobs/errand-cutoff.js';
import { reportRoutes } from './http/reports.js';
import { dashboardRoutes } from './http/dashboard.js';
import { installHttpErrors } from './http/validate.js';
import type { Rate } from './time/duration.js';
import { ConsoleAdapter } from './platform/console/index.js';
import { Drills } from '../workflows/drill/index.js';
import { drillKey, redisDrillLease } from './jobs/drill-lease.js';
import { drillRoutes } from './http/drill.js';
import { requireToken } from './http/access.js';
import type { PlatformAdapter } from './platform/port.js';

export interface App {
  http: FastifyInstance;
  db: Db;
  deps: CoreDeps;
  inbox: Inbox;
  outbox: Outbox;
  timers: Timers;
  adapter: PlatformAdapter;
  /** Whether this process holds the leader lease (the platform's inbound connection), and who does. */
  leader: LeaderView;
  /** The drill (演练, workflows/drill/): on the console platform only, else null. */
  drills: Drills | null;
  log: Logger;
  /** Starts receiving, sending (re-queues unsent messages, processes stored inbound ones) and listening on `PORT` (0 = any). */
  start(opts?: { listen?: boolean }): Promise<void>;
  /** Stops everything in order; safe to call twice. */
  stop(): Promise<void>;
}

export interface AppOverrides {
  log?: Logger;
  /** A fixed clock for tests. */
  now?: () => Date;
}

/**
 * The platform adapter chosen by configuration ({@link platformOf}: DingTalk credentials → DingTalk,
 * Slack bot token → Slack, else console) and the per-conversation send rate the outbox applies for it. A platform's
 * SDK is loaded only when it is the one chosen (each costs start-up time and tens of MB).
 */
async function createAdapter(config: Config, db: Db, log: Logger, jobs: JobsConnection): Promise<{ adapter: PlatformAdapter; rate: Rate }> {
  switch (platformOf(config)) {
    case 'dingtalk': {
      const { DingTalkAdapter } = await import('./platform/dingtalk/index.js');
      return {
        adapter: new DingTalkAdapter({
          clientId: config.DINGTALK_CLIENT_ID!,
          clientSecret: config.DINGTALK_CLIENT_SECRET!,
          ...(config.DINGTALK_ROBOT_CODE ? { robotCode: config.DINGTALK_ROBOT_CODE } : {}),
          apiBase: config.DINGTALK_API_BASE,
          gatewayUrl: config.DINGTALK_GATEWAY_URL,
          appQps: config.DINGTALK_APP_QPS,
          idleTimeoutMs: config.DINGTALK_IDLE_TIMEOUT,
          ticketTimeoutMs: config.DINGTALK_TICKET_TIMEOUT,
          reconnectBaseMs: config.DINGTALK_RECONNECT_BASE,
          reconnectMaxMs: config.DINGTALK_RECONNECT_MAX,
          httpTimeoutMs: config.DINGTALK_HTTP_TIMEOUT,
          ...(config.DINGTALK_CARD_TEMPLATE_ID ? { cardTemplateId: config.DINGTALK_CARD_TEMPLATE_ID } : {}),
          log,
          // each group's latest session webhook, kept by the leader and read by every process (to @ members)
          sessionWebhooks: { redis: jobs.connection, prefix: jobs.prefix },
          ding: config.DINGTALK_DING === 'app',
        }),
        rate: config.DINGTALK_GROUP_RATE,
      };
    }
    case 'slack': {
      const { SlackAdapter } = await import('./platform/slack/index.js');
      return {
        adapter: new SlackAdapter({
          botToken: config.SLACK_BOT_TOKEN!,
          ...(config.SLACK_APP_TOKEN ? { appToken: config.SLACK_APP_TOKEN } : {}),
          ...(config.SLACK_SIGNING_SECRET ? { signingSecret: config.SLACK_SIGNING_SECRET } : {}),
          apiUrl: config.SLACK_API_URL,
          log,
        }),
        rate: config.SLACK_CHANNEL_RATE,
      };
    }
    default:
      return {
        adapter: new ConsoleAdapter(db, {
          ...(config.CONSOLE_TOKEN ? { token: config.CONSOLE_TOKEN } : {}),
          // the console page's command menu lists what /帮助 lists
          commandsFor: (who) => helpCommands(COMMANDS, who),
          // the page shows times as the bot's messages do, in the county's time zone
          timeZone: config.TIMEZONE,
        }),
        rate: config.CONSOLE_GROUP_RATE,
      };
  }
}

/** Builds the app from parsed configuration. @throws when SQLite cannot be opened. */
export async function buildApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const log = overrides.log ?? pino({ level: config.LOG_LEVEL });
  const db = await openDb(config.DATABASE_URL);
  const redis = createJobsConnection(config.REDIS_URL, log);
  const jobs: JobsConnection = { connection: redis, prefix: config.QUEUE_PREFIX, log };
  const { adapter, rate } = await createAdapter(config, db, log, jobs);
  const now = overrides.now ?? (() => new Date());
  const outbox = new Outbox({
    db, jobs, now, rate, concurrency: config.OUTBOX_CONCURRENCY,
    onFailed: (outboxId) => noteFailedSend(deps, outboxId),
  });
  const timers = new Timers({
    db, jobs, quietHours: config.QUIET_HOURS, timeZone: config.TIMEZONE, now,
    // queue what the handler stored and run its after-commit hooks
    afterFire: () => flushCommitted(deps),
  });
  const deps: CoreDeps = { db, config, outbox, timers, now };
  // read receipts only where the platform reports reads (DingTalk); elsewhere deps.receipts stays unset
  const readReceipts = adapter.readReceipts?.bind(adapter);
  const receipts = readReceipts
    ? new ReceiptPoller({
        jobs, instance: instanceId(db), offsetsMs: config.READ_RECEIPT_POLL,
        isLive: async ({ directiveId }) => await getDirective(db, directiveId) !== undefined,
        poll: async ({ directiveId }) => {
          const r = await pollReadReceipts(deps, readReceipts, directiveId);
          log.debug({ directiveId, ...r }, 'read receipts polled');
        },
      })
    : null;
  if (receipts) deps.receipts = receipts;
  registerWorkflowTimers(deps);
  // recurring special tasks run on their own BullMQ queue (job schedulers), synced after commit
  const taskRecurrence = new TaskRecurrence({ deps, jobs });
  deps.taskSeries = taskRecurrence;
  const inbox = new Inbox(deps, createDispatcher(COMMANDS, PLAIN_COMMANDS, log), log);
  const http = Fastify({ loggerInstance: log.child({ component: 'http' }, { level: 'warn' }) }) as unknown as FastifyInstance;
  installHttpErrors(http); // every refusal is {code, error, reason}; no input answers 5xx
  adapter.routes?.(http);
  // the inbound connection only one process may hold: opened while this process holds the lease
  const inbound = adapter.exclusiveInbound;
  const leadership = inbound
    ? new Leadership({
        redis, key: leaderKey(config.QUEUE_PREFIX, instanceId(db)), leaseMs: config.LEADER_LEASE_MS,
        ...(config.LEADER_RENEW_MS ? { renewMs: config.LEADER_RENEW_MS } : {}),
        log, onElected: () => inbound.open(), onLost: () => inbound.close(),
      })
    : null;
  const leader: LeaderView = leadership ?? soleLeader();
  healthRoutes(http, { db, redis, adapter, outbox, leader });
  // reports: export API, dashboard, daily digest (BullMQ job scheduler on the `reports` queue)
  reportRoutes(http, deps);
  dashboardRoutes(http, deps);
  const digest = new DailyDigest({ deps, jobs });
  // 红色代办's daily cut-off (BullMQ job scheduler on the `errands` queue)
  const errandCutoff = new ErrandCutoff({ deps, jobs });
  // the drill (演练): console platform only; its people speak through the inbox and are shown in the chat like anyone typing
  // in the web console; one drill at a time (Redis lease)
  const drills = adapter instanceof ConsoleAdapter
    ? new Drills({ deps, accept: async (msg) => await adapter.acceptShown(msg, (m, alsoStore) => inbox.accept(m, alsoStore)), paceMs: config.DRILL_PACE_MS, lease: redisDrillLease(redis, drillKey(config.QUEUE_PREFIX, instanceId(db))), log })
    : null;
  if (drills) drillRoutes(http, { drills, onRequest: config.CONSOLE_TOKEN ? [requireToken(config.CONSOLE_TOKEN, 'CONSOLE_TOKEN')] : [] });

  let stopping: Promise<void> | null = null;
  return {
    http, db, deps, inbox, outbox, timers, adapter, leader, log, drills,
    async start(opts = {}) {
      await checkRedisEviction(redis, log);
      await adapter.start(async (msg, alsoStore) => await inbox.accept(msg, alsoStore));
      // takes the lease at once if no one holds it, and then opens the inbound connection
      await leadership?.start();
      await outbox.startWorker(adapter);
      const resumed = await outbox.resume();
      if (resumed.pending) log.info({ resumed: resumed.pending }, 'outbox: re-queued unsent messages');
      // before the timers start: an older version's series-sync timers would find no handler
      const retired = await cancelRetiredSyncTimers(db);
      if (retired) log.info({ cancelled: retired }, 'timers: cancelled retired task.series-sync timers');
      await timers.start();
      await taskRecurrence.start();
      await digest.start();
      await errandCutoff.start();
      if (receipts) {
        await receipts.start();
        await replanRecentPolls(deps);
      }
      inbox.kick();
      inbox.poll(config.INBOX_POLL_MS);
      if (opts.listen ?? true) {
        await http.listen({ port: config.PORT, host: config.HOST });
        log.info({ platform: adapter.name, port: config.PORT }, 'gridrelay started');
      } else {
        await http.ready();
      }
    },
    stop() {
      stopping ??= (async () => {
        await leadership?.stop();
        await drills?.stop();
        await adapter.stop();
        await http.close();
        await inbox.stop();
        await digest.close();
        await errandCutoff.close();
        await timers.close();
        await taskRecurrence.close();
        await receipts?.close();
        await outbox.close();
        await redis.quit().catch(() => redis.disconnect());
        await closeDb(db);
      })();
      return stopping;
    },
  };
}
