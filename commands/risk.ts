import { defineCommand } from '../src/core/command.js';
import { UsageError } from '../src/core/errors.js';
import { ISSUER_ROLES } from '../src/core/permissions.js';
import type { RiskColour } from '../src/db/schema/index.js';
import { COLOUR_WORDS, setGridColour } from '../workflows/risk/index.js';
import { checkLength, MAX_CHARS, quoted } from './limits.js';

/**
 * `/风险 <网格> <颜色>`: sets a grid's risk colour, with history.
 * Who: `allow`, `where`; which grids a township officer may colour is `riskGridsWithin`
 * (src/core/permissions.ts), applied by the risk workflow.
 */
export default defineCommand<{ grid: string; colour: RiskColour }>({
  name: 'risk',
  words: ['/风险', '/risk'],
  usage: '/风险 <网格> <红|橙|黄|蓝|绿>',
  summary: '设置网格风险颜色（指挥部：任意网格；乡镇：本乡镇网格）',
  // which grids: riskGridsWithin (permissions.ts), asked by setGridColour
  allow: [...ISSUER_ROLES, 'township_officer'],
  where: ['county', 'township'],
  ownUnitOnly: true,
  parse(args) {
    const parts = args.split(/\s+/).filter(Boolean);
    if (parts.length < 2) throw new UsageError(parts.length ? '缺少颜色' : '缺少网格和颜色');
    const colour = COLOUR_WORDS[parts.at(-1)!.replace(/(色|风险)+$/, '').toLowerCase()];
    if (!colour) throw new UsageError(`${quoted(parts.at(-1)!)}不是风险颜色（红、橙、黄、蓝、绿）`);
    const grid = parts.slice(0, -1).join('');
    checkLength(grid, '网格名', MAX_CHARS.title);
    return { grid, colour };
  },
  async run(ctx, input) {
    return { text: await setGridColour(ctx.deps, ctx, input.grid, input.colour) };
  },
});
