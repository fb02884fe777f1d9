/**
 * A grid group with both the county's 通告1 and its township's 大坑乡通告1 open, and the township room:
 * plain acknowledgements naming the township's notice count for it, and every hint and list writes a
 * reference that finds the item meant in the group where it will be typed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ask, county, waitFor } from '../helpers/console.js';
import { askIn } from '../directives/util.js';

const c = county();
const YEAR = new Date().toLocaleString('en', { timeZone: 'Asia/Shanghai', year: 'numeric' });
const T = 'T15'; // 大坑乡
const ROOM = c.groupOf[T]!;
const OFFICER = c.memberOf(T, 'township_officer');
const G = ['T15-V01-G1', 'T15-V01-G2', 'T15-V01-G3'];
const grid = (g: string) => c.groupOf[g]!;
const worker = (g: string) => c.memberOf(g, 'grid_worker');

describe('the county\'s 通告1 and 大坑乡通告1 side by side', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await buildTestApp();
    expect(await ask(app.http, c.commandGroup, c.commander, '/令 各网格排查外来车辆 范围:大坑乡')).toContain(`指挥部令〔${YEAR}〕第1号`);
    expect(await ask(app.http, c.commandGroup, c.commander, '/通告 全县暂停集市 范围:大坑乡')).toContain(`已发布 通告〔${YEAR}〕第1号`);
    expect(await askIn(app.http, ROOM, OFFICER, '/通告 大坑乡今晚排查')).toContain(`已发布 大坑乡通告〔${YEAR}〕第1号`);
    for (const g of G) await waitFor(app.http, grid(g), (ms) => ms.some((m) => m.text.startsWith(`【大坑乡通告〔${YEAR}〕第1号】`)));
  }, 60_000);
  afterAll(async () => {
    await app?.close();
  });

  it('a plain 大坑乡通告1收到 / 大坑通告1已收到 acknowledges the township\'s notice', async () => {
    expect(await askIn(app.http, grid(G[0]!), worker(G[0]!), '大坑乡通告1收到')).toContain(`已确认大坑乡通告〔${YEAR}〕第1号`);
    expect(await askIn(app.http, grid(G[1]!), worker(G[1]!), '大坑乡通告1已收到')).toContain(`已确认大坑乡通告〔${YEAR}〕第1号`);
    expect(await askIn(app.http, grid(G[2]!), worker(G[2]!), '大坑通告1收到')).toContain(`已确认大坑乡通告〔${YEAR}〕第1号`);
    // the county's is still pending in each
    expect(await askIn(app.http, grid(G[0]!), worker(G[0]!), '通告1收到')).toContain(`已确认通告〔${YEAR}〕第1号`);
  });

  it('hints in the township room write the county\'s notice as 县通告1', async () => {
    const bare = await askIn(app.http, ROOM, OFFICER, '/进度');
    expect(bare.split('\n')[0]).toContain(`大坑乡通告〔${YEAR}〕第1号`);
    expect(bare).toContain('/进度 县通告1');
    expect(bare).not.toMatch(/\/进度 通告1/);
    const one = await askIn(app.http, ROOM, OFFICER, '/进度 1');
    expect(one).toContain(`另有通告〔${YEAR}〕第1号：/进度 县通告1`);
    // and what the hint says finds what it names
    expect((await askIn(app.http, ROOM, OFFICER, '/进度 县通告1')).split('\n')[0]).toContain(`通告〔${YEAR}〕第1号`);
    expect((await askIn(app.http, ROOM, OFFICER, '/进度 县通告1')).split('\n')[0]).not.toContain('大坑乡');
  });

  it('the lists in a grid group tell the two notices apart', async () => {
    const g = 'T15-V02-G1';
    await waitFor(app.http, grid(g), (ms) => ms.some((m) => m.text.startsWith(`【大坑乡通告〔${YEAR}〕第1号】`)));
    const list = await askIn(app.http, grid(g), worker(g), '是哪个令');
    expect(list).toContain('回复「收到」确认大坑乡通告1，确认其他请写明，如「收到 通告1」');
    const unclear = await askIn(app.http, grid(g), worker(g), '收到了吗？');
    expect(unclear).toContain('本群待确认：大坑乡通告1、通告1、令1');
    // the re-post hints name them the same way, and each finds its own
    expect(await ask(app.http, grid(g), worker(g), '再发一遍 大坑乡通告1')).toContain(`【重发】【大坑乡通告〔${YEAR}〕第1号】`);
    expect(await ask(app.http, grid(g), worker(g), '大坑通告1没收到')).toContain(`【重发】【大坑乡通告〔${YEAR}〕第1号】`);
    expect(await ask(app.http, grid(g), worker(g), '再发一遍 通告1')).toContain(`【重发】【通告〔${YEAR}〕第1号】`);
  });
});
