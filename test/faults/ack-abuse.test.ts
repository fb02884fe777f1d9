/**
 * Abuse of the plain-word path (issue 11 §1): text that contains 收到 but says no (or says nothing) —
 * negations and questions hidden among emoji, codes, invisible and control characters, right-to-left
 * overrides, full-width forms, floods and very long text — posted in a grid group with an item open.
 * Each gets exactly one answer and none is counted as an acknowledgement. A few plain 收到 variants
 * wrapped in the same junk must still count (the junk is ignored, not the word).
 */
import { sqliteClient } from '../../src/db/client.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ask, county, say } from '../helpers/console.js';
import { recordFault } from './record.js';

const c = county();
const NEVER = [
  '没\u200b收到', '收\u200d到没', '收到\u202e吗', '收到\u0000？', '收到？？？？？？？？？？', '收到吗😀😀😀', '[微笑]没收到[微笑]',
  '🙏🙏 大家回复收到', '不\uFE0F明白', '收到' + '?'.repeat(1000), '收到，' + '很长的内容'.repeat(600), '收到'.repeat(1500),
  '收到的'.repeat(10), '\ud800收到没\udfff', '收到\u0301没', '收到 吗', 'ｓｈｏｕｄａｏ吗', '＜收到＞？', '收到<script>', '收到\'; DROP TABLE acknowledgements; --',
  '收到1.5', '收到 1 4', '收到-1', '收到1,000', '收到99999999999号令', '收到〔0000〕第0号', '收到第零号', '收到第十十号', '收到1号令2号令', '通告5号令收到',
  '@所有人 收到请回复', '各网格收到请回复', '[收到]吗', '👍？', '1？', '不1', '没👍',
];
const STILL = ['\u200b收到\u200b', '收到\u202e', '[OK]\u0000', '👍🏻👍🏻👍🏻', '　收到　'];

describe('abuse of plain words never acknowledges', () => {
  let app: TestApp;
  const G = c.grids.filter((g) => /^T1[34]-/.test(g.unit_id!)).slice(0, NEVER.length + STILL.length);
  beforeAll(async () => {
    app = await buildTestApp();
    expect(await ask(app.http, c.commandGroup, c.commander, '/令 测试 范围:长岭乡、何源乡')).toContain('已发布');
  }, 30_000);
  afterAll(async () => {
    await app?.close();
  });

  it(`${NEVER.length} disguised non-acknowledgements: one answer each, none counted; ${STILL.length} acknowledgements in junk still count`, async () => {
    expect(G.length).toBe(NEVER.length + STILL.length);
    const texts = [...NEVER, ...STILL];
    const posted: { id: string; unit: string; ack: boolean }[] = [];
    for (const [i, text] of texts.entries()) {
      const g = G[i]!;
      const id = `abuse-${i}`;
      const r = await say(app.http, c.groupOf[g.unit_id!]!, c.memberOf(g.unit_id!, 'grid_worker'), text, id);
      // the console API may refuse a text outright (too long); that is an answer too, and nothing is stored
      if (r.status === 202) posted.push({ id, unit: g.unit_id!, ack: i >= NEVER.length });
      else expect(r.status, text.slice(0, 20)).toBeGreaterThanOrEqual(400);
    }
    await app.inbox.idle();
    const q = (sql: string, ...a: unknown[]) => sqliteClient(app.db).prepare(sql).all(...a) as Record<string, any>[];
    let falseAcks = 0;
    let unanswered = 0;
    for (const p of posted) {
      const answers = q('select o.text from outbound_messages o join inbound_messages i on i.id = o.reply_to_inbound_id where i.platform_msg_id = ?', p.id);
      const acked = q('select 1 from acknowledgements a join inbound_messages i on i.id = a.inbound_id where i.platform_msg_id = ?', p.id).length;
      if (answers.length !== 1) unanswered++;
      if (!p.ack && acked) falseAcks++;
      expect(acked, `${p.id} ${texts[Number(p.id.slice(6))]!.slice(0, 30)}`).toBe(p.ack ? 1 : 0);
    }
    recordFault('disguised non-acknowledgements tried', posted.filter((p) => !p.ack).length);
    recordFault('false acknowledgements', falseAcks, 'expected 0');
    recordFault('plain messages unanswered', unanswered, 'expected 0');
    expect(unanswered).toBe(0);
  });
});
