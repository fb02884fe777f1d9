import { moveCommand } from './lead-move-command.js';

export default moveCommand('close', 'close', { aliases: ['/close'], noteName: '结果', summary: '办结线索，附处置结果' });
