/**
 * DingTalk read receipts end to end: a directive's relays are polled (READ_RECEIPT_POLL) through
 * groupMessages/query at the fake, readers are recorded per message, and /进度 shows read beside
 * acknowledged — per township and overall for the county, per member (who has not read) for a grid.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readReceipts } from '../../src/db/schema/index.js';
import { county } from '../helpers/console.js';
import { startPlatformApp, type PlatformApp } from '../helpers/platform.js';
import { until } from '../helpers/wait.js';
import type { FakeDingTalk } from '../fakes/dingtalk.js';

const GRID_GROUP = 'cidVDAxLVYwMS1HMS1ncmlk'; // 周家坞村第1网格群 (T01-V01-G1: staff00047-49)
const TOWNSHIP_ROOM_UNIT = 'T01'; // 清溪街道

let fake: FakeDingTalk;
let running: PlatformApp<'dingtalk'> | undefined;

/** Starts gridrelay on the fake DingTalk, polling read receipts at `poll` (READ_RECEIPT_POLL). */
async function start(poll: string) {
  running = await startPlatformApp({ platform: 'dingtalk', env: { READ_RECEIPT_POLL: poll } });
  fake = running.fake;
  return running.app;
}

afterEach(async () => {
  await running?.teardown();
  running = undefined;
});

/** Sends `text` as `sender` in `conversationId` and returns the bot's session-webhook answer. */
async function ask(conversationId: string, sender: string, text: string): Promise<string> {
  const before = fake.webhookPosts.length;
  fake.pushCallback(fake.robotMessage({ text, conversationId, senderStaffId: sender }));
  const post = await until(`the answer to ${text}`, () => fake.webhookPosts[before], 30_000);
  return post.body.text?.content ?? post.body.markdown?.text ?? '';
}

describe('dingtalk read receipts', () => {
  it('polls who read each relay and shows read beside acknowledged in /进度', async () => {
    const c = county();
    const app = await start('2s,5s');
    // two of the grid's three members have read it; someone outside the grid too (not counted)
    fake.readersByConversation.set(GRID_GROUP, ['staff00047', 'staff00049', 'staff00001']);
    fake.readersByConversation.set(c.groupOf[TOWNSHIP_ROOM_UNIT]!, [c.memberOf(TOWNSHIP_ROOM_UNIT, 'township_officer')]);

    expect(await ask(c.commandGroup, c.commander, '/令 范围:清溪街道 今晚完成返乡人员排查')).toMatch(/已发布 指挥部令〔\d{4}〕第1号/);
    const targets = c.grids.filter((g) => g.unit_id!.startsWith('T01-')).length + 1;
    await until('all relays', () => new Set(fake.sends.map((s) => s.openConversationId)).size === targets, 60_000);
    // both polls ran over every sent relay; the second skips nothing it must ask again (the grid is not fully read)
    await until('two rounds of queries', () => fake.queries.filter((q) => q.openConversationId === GRID_GROUP).length >= 2, 30_000);
    const rows = app.db.select().from(readReceipts).all();
    expect(rows.map((r) => r.memberId).sort()).toEqual(['staff00001', 'staff00047', 'staff00049', c.memberOf(TOWNSHIP_ROOM_UNIT, 'township_officer')].sort());

    // the grid acknowledges: read and acknowledged are reported separately
    expect(await ask(GRID_GROUP, 'staff00048', '/收到')).toContain('已确认');

    const countyView = await ask(c.commandGroup, c.commander, '/进度 1');
    expect(countyView).toContain(`合计响应率：1/${targets}`);
    expect(countyView).toContain(`合计已读：2/${targets}`);
    expect(countyView).toMatch(/· 清溪街道 1\/\d+，已读 1\/\d+（指挥室未确认）/);

    const gridView = await ask(GRID_GROUP, 'staff00048', '/进度 1');
    expect(gridView).toContain('周家坞村第1网格：已确认');
    expect(gridView).toContain('已读 2/3 人；未读：卢洋桂');

    const townshipView = await ask(c.groupOf[TOWNSHIP_ROOM_UNIT]!, c.memberOf(TOWNSHIP_ROOM_UNIT, 'township_officer'), '/进度 1');
    expect(townshipView).toMatch(/已读网格：1\/\d+/);
    expect(townshipView).toMatch(/周家坞村第2网格（未读）/);

    // the response-rate report counts reads too: 2 of the targeted unit-items were read
    const stats = await ask(c.commandGroup, c.commander, '/统计 今日');
    const pct = (Math.floor((2 / targets) * 1000) / 10).toFixed(1);
    expect(stats).toContain(`已读率 ${pct}%`);
  });

  it('a fully read group is not asked again', async () => {
    const c = county();
    await start('2s,5s');
    fake.readersByConversation.set(GRID_GROUP, ['staff00047', 'staff00048', 'staff00049']);
    await ask(c.commandGroup, c.commander, '/令 范围:清溪街道 请阅');
    await until('first round', () => fake.queries.some((q) => q.openConversationId === GRID_GROUP), 60_000);
    const other = c.groupOf['T01-V01-G2']!;
    await until('second round', () => fake.queries.filter((q) => q.openConversationId === other).length >= 2, 30_000);
    expect(fake.queries.filter((q) => q.openConversationId === GRID_GROUP)).toHaveLength(1);
  });

  it('a notice without receipt (回执:否): /进度 shows delivered and read, never unacknowledged', async () => {
    const c = county();
    const app = await start('2s');
    fake.readersByConversation.set(GRID_GROUP, ['staff00047', 'staff00049']);
    expect(await ask(c.commandGroup, c.commander, '/通告 范围:清溪街道 明日例会取消 回执:否')).toMatch(/已发布 通告〔\d{4}〕第1号/);
    const targets = c.grids.filter((g) => g.unit_id!.startsWith('T01-')).length + 1;
    await until('all relays', () => new Set(fake.sends.map((s) => s.openConversationId)).size === targets, 60_000);
    await until('the readers recorded', () => app!.db.select().from(readReceipts).all().length === 2, 30_000);
    const countyView = await ask(c.commandGroup, c.commander, '/进度 通告1');
    expect(countyView).not.toMatch(/未确认|响应率/);
    expect(countyView).toContain(`已送达：${targets}/${targets} 个群`);
    expect(countyView).toContain(`已读：1/${targets} 个群`);
    const gridView = await ask(GRID_GROUP, 'staff00048', '/进度 通告1');
    expect(gridView).toContain('周家坞村第1网格：已送达');
    expect(gridView).toContain('已读 2/3 人；未读：卢洋桂');
  });
});
