/** Every chat command, in `/帮助` order. */
import type { CommandDef } from '../src/core/command.js';
import ack from './ack.js';
import directive from './directive.js';
import { helpCommand } from './help.js';
import notice from './notice.js';
import progress from './progress.js';

export const COMMANDS: readonly CommandDef<any>[] = [directive, notice, ack, progress, helpCommand(() => COMMANDS)];

/** The command a plain 收到 runs. */
export const ACK_COMMAND = ack;
