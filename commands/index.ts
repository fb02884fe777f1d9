/** Every chat command, in `/帮助` order. */
import type { CommandDef } from '../src/core/command.js';
import accept from './accept.js';
import ack from './ack.js';
import amend from './amend.js';
import chase from './chase.js';
import close from './close.js';
import directive from './directive.js';
import exportItem from './export.js';
import escalate from './escalate.js';
import handle from './handle.js';
import { helpCommand } from './help.js';
import notice from './notice.js';
import leads from './leads.js';
import progress from './progress.js';
import report from './report.js';
import revoke from './revoke.js';
import risk from './risk.js';
import stats from './stats.js';
import verify from './verify.js';
import task from './task.js';
import transfer from './transfer.js';
import done from './done.js';
import reschedule from './reschedule.js';
import cancelTask from './cancel-task.js';
import tasks from './tasks.js';
import inspect from './inspect.js';
import inspections from './inspections.js';
import rectify from './rectify.js';
import inspectClose from './inspect-close.js';
import publish from './publish.js';
import errand from './errand.js';
import { resend, unclear, which } from './pending.js';
import type { PlainCommands } from '../src/core/dispatch.js';

export const COMMANDS: readonly CommandDef<any>[] = [
  directive,
  notice,
  ack,
  progress,
  chase,
  exportItem,
  amend,
  revoke,
  report,
  accept,
  verify,
  handle,
  close,
  escalate,
  transfer,
  leads,
  inspect,
  inspections,
  rectify,
  inspectClose,
  publish,
  task,
  done,
  reschedule,
  cancelTask,
  tasks,
  errand,
  stats,
  risk,
  helpCommand(() => COMMANDS),
];

/** The command a plain 收到 runs. */
export const ACK_COMMAND = ack;

/** What plain words run (no command word; not in `/帮助`): 收到, 这边没收到, 是哪个令, anything else. */
export const PLAIN_COMMANDS: PlainCommands = { ack, resend, which, unclear };
