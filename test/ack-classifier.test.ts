/**
 * The acknowledgement classifier on its own (src/core/ack-classifier.ts): the lexicon file's format, rules
 * that must hold for every entry anyone adds to it, numerals, and junk. The labelled corpus, through the
 * real app, is test/workflows/ack-corpus.test.ts.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createClassifier, understand } from '../src/core/ack-classifier.js';
import { parseLexicon } from '../src/core/ack-lexicon.js';
import { chineseNumber, refText } from '../src/core/ack-refs.js';

const LEXICON = parseLexicon(readFileSync(resolve(import.meta.dirname, '../src/core/ack-lexicon.txt'), 'utf8'));

describe('the lexicon file', () => {
  it('refuses an unknown section or an entry outside a section, naming the line', () => {
    expect(() => parseLexicon('[ack]\n收到\n[acks]\n好')).toThrow('ack-lexicon.txt:3: unknown section [acks]');
    expect(() => parseLexicon('# words\n收到')).toThrow('ack-lexicon.txt:2: entry before any [section]');
  });

  it('is read as messages are: full width, case and spaces do not matter', () => {
    const understand = createClassifier(parseLexicon('[ack]\nＯＫ了\n[filler]\n嗯'));
    expect(understand('ok了').kind).toBe('ack');
    expect(understand('嗯 OK了!').kind).toBe('ack');
    expect(understand('收到').kind).toBe('other');
  });

  it('every acknowledgement word acknowledges on its own, after a filler, with the unit named and with a remark', () => {
    for (const w of [...LEXICON.ack, ...LEXICON['ack-with-object']]) {
      for (const text of [w, `嗯${w}`, `${w}！`, `第3网格${w}`, `${w}，已转各户`]) expect(understand(text), text).toEqual({ kind: 'ack' });
    }
  });

  it('no question, request to others or negation word lets an acknowledgement through, wherever it stands', () => {
    const never = [...LEXICON.question, ...LEXICON.prompt, ...LEXICON['not-understood']];
    for (const w of never) {
      for (const text of [`收到${w}`, `${w}收到`, `收到，${w}`, `明白${w}`]) expect(understand(text).kind, text).not.toBe('ack');
    }
    for (const w of LEXICON['question-end']) expect(understand(`收到${w}`).kind, w).not.toBe('ack');
    for (const neg of ['没', '没有', '未', '不', '还没', '并未', '尚未']) {
      for (const w of ['收到', '明白', '了解', '知道', '清楚', '看到', '接到', '收悉', '知悉']) expect(understand(`${neg}${w}`).kind, `${neg}${w}`).not.toBe('ack');
    }
  });

  it('every not-received and resend phrase asks for the item again, unless it is about others', () => {
    for (const w of [...LEXICON['not-received'], ...LEXICON.resend]) {
      expect(understand(w), w).toEqual({ kind: 'resend' });
      expect(understand(`收到，${w}`).kind, w).toBe('resend');
      for (const o of LEXICON.others) expect(understand(`${o}${w}`).kind, `${o}${w}`).not.toBe('resend');
    }
    for (const w of LEXICON.which) expect(understand(w), w).toEqual({ kind: 'which' });
  });

  it('an acknowledging emoji or code acknowledges alone; any other emoji is ignored beside words and alone is nothing', () => {
    for (const e of LEXICON['ack-emoji']) expect(understand(e).kind, e).toBe('ack');
    for (const code of LEXICON['ack-code']) expect(understand(`[${code}]`).kind, code).toBe('ack');
    for (const text of ['🌹', '😂😂', '[微笑]', '[2026]', '👍?']) expect(understand(text).kind, text).toBe('other');
    for (const text of ['收到🌹', '🌹🌹收到', '[微笑]收到', '收到[送花花][送花花]', '收👍到', '👍🏻', '🙏🏾', '✔️', '1️⃣']) expect(understand(text).kind, text).toBe('ack');
  });
});

describe('references inside an acknowledgement', () => {
  it('reads the item in every order, with Chinese numerals and a year', () => {
    const cases: [string, object][] = [
      ['收到5号令', { kind: 'directive', number: 5 }],
      ['5号令已收到', { kind: 'directive', number: 5 }],
      ['第五号收到', { number: 5 }],
      ['令5收到', { kind: 'directive', number: 5 }],
      ['收到十七号指挥部令', { kind: 'directive', number: 17 }],
      ['通告6收到', { kind: 'notice', number: 6 }],
      ['收到第二十一号通告', { kind: 'notice', number: 21 }],
      ['〔2025〕第3号收到', { number: 3, year: 2025 }],
      ['收到2025年第3号令', { kind: 'directive', number: 3, year: 2025 }],
      ['【通告〔2026〕第4号】收到', { kind: 'notice', number: 4, year: 2026 }],
      ['收到12', { number: 12 }],
      ['12收到', { number: 12 }],
    ];
    for (const [text, ref] of cases) expect(understand(text), text).toEqual({ kind: 'ack', ref });
  });

  it('does not take a building, a household, a time or two items for an item', () => {
    for (const text of ['收到5号楼', '收到3户', '收到1号令和2号令', '通告5号令收到', '收到 1.5', '收到1,000', '收到-1', '收到第0号', '收到第十十号', '收到〔0000〕第0号']) expect(understand(text).kind, text).toBe('other');
    // after the punctuation that ends the acknowledgement, numbers belong to the remark
    for (const text of ['收到，5号楼已通知', '收到，18:00前报结果', '收到，3户已通知', '收到，第一时间落实']) expect(understand(text), text).toEqual({ kind: 'ack' });
    expect(understand('第3网格收到')).toEqual({ kind: 'ack' });
    expect(understand('111')).toEqual({ kind: 'ack' });
  });

  it('writes a reference back as /收到 reads it', () => {
    expect(refText({ kind: 'directive', number: 5 })).toBe('令第5号');
    expect(refText({ kind: 'notice', number: 6, year: 2025 })).toBe('通告〔2025〕第6号');
    expect(refText({ number: 7 })).toBe('第7号');
    expect(understand('2号令没收到')).toEqual({ kind: 'resend', ref: { kind: 'directive', number: 2 } });
  });

  it('reads Chinese numerals as people write item numbers', () => {
    const cases: [string, number | null][] = [['五', 5], ['十', 10], ['十七', 17], ['二十', 20], ['二十一', 21], ['两', 2], ['一百零二', 102], ['一二', 12], ['三百', 300], ['十十', null], ['百', null], ['二三十', null], ['', null], ['五a', null]];
    for (const [s, n] of cases) expect(chineseNumber(s), s).toBe(n);
  });
});

describe('names', () => {
  it('takes out the sender’s own names from the roster, and nobody else’s', () => {
    const names = ['覃雪', '周家坞村第1网格', '周家坞村', '清溪街道'];
    for (const text of ['覃雪收到', '周家坞村第1网格覃雪已收到', '清溪街道周家坞村1网格收到', '收到，覃雪']) expect(understand(text, { names }).kind, text).toBe('ack');
    expect(understand('邵建峰收到', { names }).kind).toBe('other');
    // a name of one character is not taken out
    expect(understand('雪收到', { names: ['雪'] }).kind).toBe('other');
  });
});

describe('junk', () => {
  it('never throws and never acknowledges random text without an acknowledgement word', () => {
    let seed = 11;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pool = [...'没不未吗呢的了是好收到明白哪谁令号第一二三五十0123456789 ，。？！,.?!~[]【】〔〕()（）😀👍🌹\u200b\u202e\ud800\u0000', '收到', '没收到', '5号令', '[OK]', '[微笑]'];
    for (let i = 0; i < 3000; i++) {
      const text = Array.from({ length: 1 + Math.floor(rnd() * 12) }, () => pool[Math.floor(rnd() * pool.length)]).join('');
      const u = understand(text);
      expect(['ack', 'resend', 'which', 'other']).toContain(u.kind);
    }
    for (const text of ['', ' ', '\u0000', '\ud800', '很长'.repeat(3000), '收到'.repeat(2000), '[' + 'a'.repeat(5000)]) expect(() => understand(text)).not.toThrow();
    expect(understand('收到'.repeat(2000)).kind).toBe('other');
  });
});
