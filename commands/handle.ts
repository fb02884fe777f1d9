import { moveCommand } from './lead-move-command.js';

export default moveCommand('handle', 'handle', { aliases: ['/handle'], summary: '线索进入处置，附处置说明' });
