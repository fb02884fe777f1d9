import { moveCommand } from './lead-move-command.js';

export default moveCommand('accept', 'accept', { aliases: ['/accept'], summary: '受理本乡镇的线索（停止超时计时）' });
