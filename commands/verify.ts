import { moveCommand } from './lead-move-command.js';

export default moveCommand('verify', 'verify', { aliases: ['/verify'], summary: '线索进入核查，附核查说明' });
