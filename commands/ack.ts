import { defineCommand } from '../src/core/command.js';
import { UsageError } from '../src/core/errors.js';
import type { CommandContext } from '../src/core/command.js';
import { COUNTY_ROLES, GRID_ROLES, mayAcknowledge, placeOf } from '../src/core/permissions.js';
import { understand } from '../src/core/ack-classifier.js';
import { refText } from '../src/core/ack-refs.js';
import { latestOpenIssuedIn, targetsWithAcks } from '../src/db/queries/directives.js';
import { acknowledge, type DirectiveRef, formatNumber, parseRef, refWord } from '../workflows/directive/index.js';
import { clockIn } from '../src/time/clock.js';
import { getMember } from '../src/db/queries/roster.js';
import { quoted } from './limits.js';
import type { AckState } from '../src/core/message.js';
import type { Directive } from '../src/db/schema/index.js';

/**
 * Where the acknowledgement stands, as neutral data for the reply ({@link AckState}: a platform with cards
 * updates the pressed card with it): who, when, and in a township room how many of its own grids have
 * acknowledged the current revision at this moment.
 */
async function ackStateOf(ctx: CommandContext, d: Directive, result: AckState['result'], by: string, at: Date, late?: boolean): Promise<AckState> {
  const state: AckState = { kind: 'ack-state', result, number: formatNumber(d), by, at: at.toISOString(), clock: clockIn(at, ctx.deps.config.TIMEZONE) };
  if (late) state.late = true;
  if (ctx.groupUnit.kind === 'township') {
    const grids = (await targetsWithAcks(ctx.deps.db, d.id, d.revision)).filter((r) => r.unitKind === 'grid' && r.townshipId === ctx.groupUnit.id);
    if (grids.length) state.count = `本乡镇网格已确认 ${grids.filter((r) => r.ackAt !== null).length}/${grids.length}`;
  }
  return state;
}

/**
 * A 收到 in the command group (a duty officer answering the commander, or the bot's own roll-up): nothing
 * there is acknowledged, so the answer says so and where the units' acknowledgements stand — of the latest
 * open item issued there, if any.
 */
async function inCommandGroup(ctx: CommandContext): Promise<string> {
  const d = await latestOpenIssuedIn(ctx.deps.db, ctx.group.conversationId);
  if (!d) return '指挥部群无需回复收到。各单位的确认情况用 /进度 <编号> 查看。';
  const rows = await targetsWithAcks(ctx.deps.db, d.id, d.revision);
  const acked = rows.filter((r) => r.ackAt !== null).length;
  return `指挥部群无需回复收到。${formatNumber(d)} 已确认 ${acked}/${rows.length}，/进度 ${refWord(d)} 查看。`;
}

export default defineCommand<{ ref?: DirectiveRef | undefined }>({
  name: 'ack',
  words: ['/收到', '/ack'],
  usage: '/收到 [编号]',
  summary: '确认收到指挥部令或通告；不带编号时确认本群最新一条（也可直接回复「收到」，或引用回复该条）',
  // county roles too, in the command group only: their 收到 is answered there (see run), never recorded
  allow: [...COUNTY_ROLES, 'township_officer', ...GRID_ROLES],
  where: ['county', 'township', 'grid'],
  ownUnitOnly: true,
  // nothing is acknowledged in the command group: run answers there with where acknowledgements stand
  policy: mayAcknowledge,
  policyInRun: true,
  parse(args) {
    if (!args) return {};
    const ref = parseRef(args);
    if (ref) return { ref };
    // `/收到！`, `/收到了`, `/收到，马上落实`, `/收到 5号令`: the slash typed out of habit, read as a plain
    // acknowledgement; a number it does not read as an item (`-1`, `1.5`, `1,000`) is a mistake
    const u = understand(`收到${args}`);
    if (u.kind === 'ack' && u.ref) {
      const named = parseRef(refText(u.ref));
      if (named) return { ref: named };
    }
    if (u.kind === 'ack' && !u.ref && !/^[^\p{Script=Han}]*\d/u.test(args)) return {};
    throw new UsageError(`${quoted(args)}不是编号`);
  },
  async run(ctx, input) {
    if (!mayAcknowledge(ctx.sender, placeOf(ctx)).allowed) return { text: await inCommandGroup(ctx) };
    const r = await acknowledge(ctx.deps, {
      unit: ctx.groupUnit,
      member: ctx.sender,
      words: ctx.message.text,
      ref: input.ref,
      inboundId: ctx.message.inboundId,
      at: ctx.receivedAt,
    });
    if (r.status === 'nothing-open') return { text: '本群当前没有待确认的指挥部令或通告。' };
    const n = formatNumber(r.directive);
    if (r.status === 'already') {
      const by = (await getMember(ctx.deps.db, r.by))?.name ?? r.by;
      return {
        text: `${ctx.groupUnit.name}已于${clockIn(r.at, ctx.deps.config.TIMEZONE)}确认${n}（${by}），无需重复。`,
        ackState: await ackStateOf(ctx, r.directive, 'already', by, r.at),
      };
    }
    const more = r.stillOpen.length ? `\n尚未确认：${r.stillOpen.map(formatNumber).join('、')}` : '';
    const version = r.directive.revision > 1 ? `（更正后第${r.directive.revision}版）` : '';
    return {
      text: `✅ ${ctx.groupUnit.name}已确认${n}${version}${r.late ? '（逾期）' : ''}。${more}`,
      ackState: await ackStateOf(ctx, r.directive, 'ok', ctx.sender.name, ctx.receivedAt, r.late),
    };
  },
});
