import { defineCommand } from '../src/core/command.js';
import { UsageError } from '../src/core/errors.js';
import { CHASER_ROLES, mayChase } from '../src/core/permissions.js';
import { chase, type DirectiveRef, parseRef, resolve } from '../workflows/directive/index.js';
import { quoted } from './limits.js';

/**
 * `/催办 N`: one reminder to each silent grid's group (@-mentioning its leader and worker) and one line to
 * each township room; a township officer chases its own township's grids from its room. At most once per
 * `CHASE_MIN_GAP` per item and township; held in quiet hours unless the item is urgent.
 */
export default defineCommand<{ ref: DirectiveRef }>({
  name: 'chase',
  words: ['/催办', '/chase'],
  usage: '/催办 <编号>（如 /催办 令17、/催办 通告18）',
  summary: '提醒未确认的网格（@网格长、网格员），并告知乡镇指挥室',
  allow: CHASER_ROLES,
  where: ['county', 'township'],
  policy: mayChase,
  parse(args) {
    if (!args) throw new UsageError('缺少编号');
    const ref = parseRef(args);
    if (!ref) throw new UsageError(`${quoted(args)}不是编号`);
    return { ref };
  },
  async run(ctx, { ref }) {
    const d = await resolve(ctx.deps, ref, { tier: ctx.tier, unit: ctx.groupUnit });
    const text = await chase(ctx.deps, {
      directive: d,
      actorId: ctx.sender.id,
      townshipId: ctx.tier === 'township' ? ctx.groupUnit.id : undefined,
      inboundId: ctx.message.inboundId,
    });
    return { text };
  },
});
