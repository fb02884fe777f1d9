/** Every chat command, in `/帮助` order. */
import type { CommandDef } from '../src/core/command.js';
import ack from './ack.js';
import amend from './amend.js';
import directive from './directive.js';
import { helpCommand } from './help.js';
import notice from './notice.js';
import progress from './progress.js';
import revoke from './revoke.js';

export const COMMANDS: readonly CommandDef<any>[] = [directive, notice, ack, progress, amend, revoke, helpCommand(() => COMMANDS)];

/** The command a plain 收到 runs. */
export const ACK_COMMAND = ack;
