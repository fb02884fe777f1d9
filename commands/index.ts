/** Every chat command, in `/帮助` order. */
import type { CommandDef } from '../src/core/command.js';
import ack from './ack.js';
import directive from './directive.js';
import { helpCommand } from './help.js';
import notice from './notice.js';
import progress from './progress.js';
import task from './task.js';
import done from './done.js';
import reschedule from './reschedule.js';
import cancelTask from './cancel-task.js';
import tasks from './tasks.js';

export const COMMANDS: readonly CommandDef<any>[] = [directive, notice, ack, progress, task, done, reschedule, cancelTask, tasks, helpCommand(() => COMMANDS)];

/** The command a plain 收到 runs. */
export const ACK_COMMAND = ack;
