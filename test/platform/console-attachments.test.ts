/**
 * Pictures through the console API (PRODUCT.md §3), on SQLite and PostgreSQL, through HTTP only: a picture
 * posted with `/上报` reaches the township room with the relay and is served back byte for byte; a picture
 * sent alone right after `/上报` is added to the lead (the room's 补充图片 notice carries it); `/完成` with a
 * picture is kept as evidence (the issuer's `/任务列表 <号>` counts it); refusals store nothing.
 */
import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleFiles, inboundMessages } from '../../src/db/schema/index.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ask, county, outbound, waitFor, type Posted } from '../helpers/console.js';

const c = county();
const G1 = 'T01-V01-G1';
const grid1 = c.groupOf[G1]!;
const worker1 = c.memberOf(G1, 'grid_worker');
const room1 = c.groupOf['T01']!;

/** A 1×1 PNG (the acceptance check's). */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
/** A tiny JPEG-looking file (the check reads the first bytes only). */
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('gridrelay test jpeg')]);

interface PostedWithFiles extends Posted {
  attachments?: { name: string; contentType: string; url: string }[];
}

const image = (name: string, contentType: string, data: Buffer) => ({ kind: 'image', name, contentType, dataBase64: data.toString('base64') });

let app: TestApp;
let n = 0;
beforeAll(async () => {
  app = await buildTestApp({ env: { TASK_REMIND_BEFORE: '1h' } });
});
afterAll(async () => {
  await app?.close();
});

/** Posts through the console API with attachments. */
async function post(conversationId: string, senderId: string, text: string, attachments: unknown) {
  const r = await app.http.inject({
    method: 'POST',
    url: '/console/v1/inbound',
    payload: { conversationId, senderId, text, msgId: `att-${process.pid}-${++n}`, attachments },
  });
  return { status: r.statusCode, body: r.json() as Record<string, unknown> };
}

/** Posts and waits for the bot's next message in the same group; returns it. */
async function askWith(conversationId: string, senderId: string, text: string, attachments: unknown): Promise<PostedWithFiles> {
  const before = (await outbound(app.http, conversationId)).length;
  const r = await post(conversationId, senderId, text, attachments);
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  return (await waitFor(app.http, conversationId, (m) => m.length > before))[before]!;
}

async function fetchFile(url: string) {
  const r = await app.http.inject({ method: 'GET', url });
  return { status: r.statusCode, type: r.headers['content-type'], body: r.rawPayload };
}

const stored = async () => ({
  inbox: (await app.db.select({ n: count() }).from(inboundMessages))[0]!.n,
  files: (await app.db.select({ n: count() }).from(consoleFiles))[0]!.n,
});

describe('console pictures', () => {
  it('a /上报 with a png reaches the township room with its picture, served back with the same bytes and type', async () => {
    const answer = await askWith(grid1, worker1, '/上报 村口发现外地车辆', [image('car.png', 'image/png', PNG)]);
    expect(answer.text).toContain('附图1张');
    const relay = (await waitFor(app.http, room1, (m) => m.some((x) => x.text.includes('外地车辆')))).find((x) => x.text.includes('外地车辆')) as PostedWithFiles;
    expect(relay.text).toContain('附图：1张');
    expect(relay.attachments).toHaveLength(1);
    const [pic] = relay.attachments!;
    expect(pic).toMatchObject({ name: 'car.png', contentType: 'image/png' });
    expect(pic!.url).toMatch(/^\/console\/v1\/files\/[0-9a-f-]{36}$/);
    const file = await fetchFile(pic!.url);
    expect(file.status).toBe(200);
    expect(file.type).toBe('image/png');
    expect(Buffer.compare(file.body, PNG)).toBe(0);
    // a message without pictures shows none
    expect((await outbound(app.http, grid1)).every((m) => !(m as PostedWithFiles).attachments)).toBe(true);
    expect((await fetchFile('/console/v1/files/no-such-file')).status).toBe(404);
    const missing = await app.http.inject({ method: 'GET', url: '/console/v1/files/no-such-file' });
    expect(missing.json()).toMatchObject({ error: 'unknown_file' });
  });

  it('a picture sent alone right after /上报 is added to the lead, and the room is sent it', async () => {
    const G2 = 'T01-V01-G2';
    const grid2 = c.groupOf[G2]!;
    const worker2 = c.memberOf(G2, 'grid_worker');
    const reply = await ask(app.http, grid2, worker2, '/上报 河边有人野炊聚集');
    expect(reply).toContain('如有图片，请紧接着发到本群');
    const number = /线索 (\d{8}-\d{3})/.exec(reply)![1]!;
    const added = await askWith(grid2, worker2, '', [image('河边.jpg', 'image/jpeg', JPEG)]);
    expect(added.text).toBe(`已将图片附到线索 ${number}（共1张）。`);
    const notice = (await waitFor(app.http, room1, (m) => m.some((x) => x.text.startsWith(`线索 ${number} 补充图片`)))).find((x) => x.text.startsWith(`线索 ${number} 补充图片`)) as PostedWithFiles;
    expect(notice.text).toBe(`线索 ${number} 补充图片1张（共1张）。`);
    expect(notice.attachments).toEqual([{ name: '河边.jpg', contentType: 'image/jpeg', url: expect.stringMatching(/^\/console\/v1\/files\//) }]);
    const file = await fetchFile(notice.attachments![0]!.url);
    expect(file.type).toBe('image/jpeg');
    expect(Buffer.compare(file.body, JPEG)).toBe(0);
    // /线索 <号> in the room lists the step
    expect(await ask(app.http, room1, c.memberOf('T01', 'township_officer'), `/线索 ${number}`)).toMatch(/补充图片 \S+/);
  });

  it('/完成 with a picture is kept as evidence: the issuer’s /任务列表 <号> counts it', async () => {
    const issued = await ask(app.http, c.commandGroup, c.commander, '/任务 排查返乡人员 截止:明天18点 范围:周家坞村');
    const number = Number(/专项任务〔\d{4}〕第(\d+)号/.exec(issued)![1]);
    const G3 = 'T01-V01-G3';
    // the task's relay reaches the grid first (the answer to /完成 is then the next message there)
    await waitFor(app.http, c.groupOf[G3]!, (m) => m.some((x) => x.text.includes(`第${number}号`)));
    const done = await askWith(c.groupOf[G3]!, c.memberOf(G3, 'grid_worker'), `/完成 ${number} 已排查`, [image('排查.png', 'image/png', PNG)]);
    expect(done.text).toContain('已留存附件 1 个');
    const detail = await ask(app.http, c.commandGroup, c.commander, `/任务列表 ${number}`);
    expect(detail).toContain('已完成 1/3');
    expect(detail).toContain('附件：1个（1个网格）');
    expect(await ask(app.http, c.groupOf[G3]!, c.memberOf(G3, 'grid_leader'), `/任务列表 ${number}`)).toContain('附件1个');
  });

  it('refuses pictures that are too large, not images, broken or too many — and stores nothing', async () => {
    const before = await stored();
    const big = Buffer.concat([PNG, Buffer.alloc(6 * 1024 * 1024)]);
    const cases: { name: string; attachments: unknown; status: number; error: string }[] = [
      { name: '6 MB png', attachments: [image('big.png', 'image/png', big)], status: 413, error: 'attachment_too_large' },
      { name: 'a text file called .png', attachments: [image('note.png', 'image/png', Buffer.from('just some text, not a picture'))], status: 415, error: 'unsupported_attachment' },
      { name: 'a pdf', attachments: [image('a.pdf', 'application/pdf', Buffer.from('%PDF-1.4'))], status: 415, error: 'unsupported_attachment' },
      { name: 'a jpeg called png', attachments: [image('x.png', 'image/png', JPEG)], status: 415, error: 'unsupported_attachment' },
      { name: 'kind file', attachments: [{ ...image('x.png', 'image/png', PNG), kind: 'file' }], status: 415, error: 'unsupported_attachment' },
      { name: 'broken base64', attachments: [{ kind: 'image', name: 'x.png', contentType: 'image/png', dataBase64: 'iVBOR w0K*GgoAAA' }], status: 400, error: 'bad_attachment' },
      { name: 'empty data', attachments: [{ kind: 'image', name: 'x.png', contentType: 'image/png', dataBase64: '' }], status: 400, error: 'bad_attachment' },
      { name: 'empty name', attachments: [image('', 'image/png', PNG)], status: 400, error: 'bad_attachment' },
      { name: 'name with a control character', attachments: [image('a\u0000.png', 'image/png', PNG)], status: 400, error: 'bad_attachment' },
      { name: 'name of 201 characters', attachments: [image(`${'图'.repeat(197)}.png`, 'image/png', PNG)], status: 400, error: 'bad_attachment' },
      { name: 'unknown field', attachments: [{ ...image('x.png', 'image/png', PNG), url: 'http://x' }], status: 400, error: 'bad_attachment' },
      { name: 'not a list', attachments: image('x.png', 'image/png', PNG), status: 400, error: 'bad_attachment' },
      { name: '10 pictures', attachments: Array.from({ length: 10 }, (_, i) => image(`p${i}.png`, 'image/png', PNG)), status: 400, error: 'bad_attachment' },
      // a good picture then a bad one: nothing of the message is kept
      { name: 'a good and a bad picture', attachments: [image('ok.png', 'image/png', PNG), image('bad.png', 'image/png', Buffer.from('text'))], status: 415, error: 'unsupported_attachment' },
    ];
    for (const k of cases) {
      const r = await post(grid1, worker1, '/上报 不应保存', k.attachments);
      expect({ name: k.name, status: r.status, error: r.body.error }).toEqual({ name: k.name, status: k.status, error: k.error });
      expect(r.body).toMatchObject({ code: expect.stringMatching(/^GR_ERR_/), reason: expect.any(String) });
    }
    expect(await stored()).toEqual(before);
    expect((await outbound(app.http)).some((m) => m.text.includes('不应保存'))).toBe(false);
  });

  it('a repeated msgId with a picture keeps one message and one file; text stays limited to 4,000 characters', async () => {
    const before = await stored();
    const body = { conversationId: grid1, senderId: worker1, text: '', msgId: `dup-${process.pid}`, attachments: [image('a.gif', 'image/gif', Buffer.from('GIF89a\u0001\u0000\u0001\u0000'))] };
    const first = await app.http.inject({ method: 'POST', url: '/console/v1/inbound', payload: body });
    const again = await app.http.inject({ method: 'POST', url: '/console/v1/inbound', payload: body });
    expect([first.statusCode, again.statusCode]).toEqual([202, 202]);
    expect(again.json()).toMatchObject({ duplicate: true });
    expect(await stored()).toEqual({ inbox: before.inbox + 1, files: before.files + 1 });
    const long = await post(grid1, worker1, 'x'.repeat(4001), [image('ok.png', 'image/png', PNG)]);
    expect([long.status, long.body.error]).toEqual([413, 'text_too_long']);
  });
});
