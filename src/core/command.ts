/**
 * Chat commands: metadata that reads like help text, a pure `parse`, and a `run` that calls one workflow.
 */
import type { Group, Member, Role, Unit } from '../db/schema/index.js';
import type { Attachment, InboundMessage, Reply } from './message.js';
import type { CoreDeps } from './deps.js';
import type { Policy, ReadsByTier } from './permissions.js';
import type { Logger } from 'pino';

/** The tier of the group a command is posted in. */
export type Tier = 'county' | 'township' | 'grid';

/** Everything a command's `run` knows about the message it answers. */
export interface CommandContext {
  deps: CoreDeps;
  message: InboundMessage & { inboundId: number };
  sender: Member;
  senderUnit: Unit;
  group: Group;
  /** The unit the group is bound to. */
  groupUnit: Unit;
  tier: Tier;
  /** The processing clock (`deps.now()` when the message is handled): for reading relative times and scheduling. */
  now: Date;
  /**
   * The moment the platform (its own timestamp) or the console received the person's message, UTC; never
   * later than {@link now} (a platform clock running ahead is clamped). The time of the person's action —
   * an acknowledgement, a completion, a lead report or move, a colour change, an amendment — so a message
   * that arrived in time but was processed late (a Redis outage, a restart) still counts as in time.
   */
  receivedAt: Date;
  /** A child of the app's logger bound to this message: `inboundId`, `platformMsgId`, `conversationId`. */
  log: Logger;
}

export interface CommandDef<I = unknown> {
  /** English name, also the file name in `commands/`. */
  name: string;
  /** Command words, Chinese first, e.g. `['/收到', '/ack']`. */
  words: readonly string[];
  /** Usage line shown on a malformed command, e.g. `/收到 [编号]`. */
  usage: string;
  /** One line for `/帮助`. */
  summary: string;
  /** Roles allowed to use it (fail closed: anything else is refused). */
  allow: readonly Role[];
  /** Tiers of group it may be posted in. */
  where: readonly Tier[];
  /** If true, the sender must belong to the group's own unit (acknowledging for a grid, say). */
  ownUnitOnly?: boolean;
  /**
   * A read whose answer is scoped to the group's tier and unit (`/进度`, `/统计`, `/线索`, `/任务列表`): the
   * sender must be entitled to that view, see `mayReadIn` in permissions.ts — checked once, by the dispatcher.
   */
  reads?: ReadsByTier;
  /**
   * The named rule from permissions.ts (PRODUCT.md §2.5) that decides, where `allow`, `where`, `ownUnitOnly`
   * and `reads` do not say it all, whether this sender may use the command in this group (e.g. `mayIssueNotice`).
   * `/帮助` lists the command only where it allows (see `mayUse`). The dispatcher asks it after `parse`, before
   * `run`, and answers a refusal with its reason — unless {@link policyInRun}.
   */
  policy?: Policy;
  /**
   * If true, the dispatcher leaves {@link policy} to `run`, which asks it itself: where the refusal names the
   * item acted on, loaded first (`/更正`, `/撤回`), or a refusal is answered another way (`/收到` in the command
   * group). `/帮助` asks it all the same.
   */
  policyInRun?: boolean;
  /**
   * If true, `parse` gets the text after the command word as typed (only control characters and a leading
   * @-mention dropped, see `clean` in router.ts), not width-folded: for texts relayed verbatim (a directive's
   * body). Such a `parse` reads its own field labels and numbers leniently (`：` and `:`, full-width digits).
   */
  verbatim?: boolean;
  /**
   * Parses the text after the command word. Pure.
   * @throws UsageError with a short reason in Chinese.
   */
  parse(args: string): I;
  /**
   * Does the work inside the message's write transaction (synchronous: better-sqlite3) and returns the reply.
   * Everything it posts goes through `ctx.deps.outbox`, so it is stored atomically with the state change.
   * @throws Refusal or UsageError, which roll back the transaction and are answered to the person.
   */
  run(ctx: CommandContext, input: I): Reply | Promise<Reply>;
  /**
   * Optionally claims a message that is not a command but carries attachments (e.g. the picture sent
   * right after `/上报`). Called after the same roster and permission checks as `run`, inside the
   * message's write transaction. Returns the reply, or null to leave the message to others.
   */
  followUp?(ctx: CommandContext, attachments: Attachment[]): Reply | null | Promise<Reply | null>;
}

/** Declares a command; typed identity. */
export function defineCommand<I>(def: CommandDef<I>): CommandDef<I> {
  return def;
}
