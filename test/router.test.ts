import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../commands/index.js';
import { createRouter, isPlainAck } from '../src/core/router.js';
import { parseRef } from '../workflows/directive/index.js';

const route = createRouter(COMMANDS);

describe('command language', () => {
  it('matches command words with half- or full-width slash, with or without a space', () => {
    for (const text of ['/令 各网格排查', '／令 各网格排查', '/令各网格排查', ' @gridrelay /令 各网格排查']) {
      const r = route(text);
      expect(r.kind, text).toBe('command');
      if (r.kind === 'command') {
        expect(r.command.name).toBe('directive');
        expect(r.args).toBe('各网格排查');
      }
    }
  });

  it('takes English aliases only at a word boundary', () => {
    const r = route('/ack 17');
    expect(r.kind === 'command' && r.command.name).toBe('ack');
    expect(route('/acknowledge').kind).toBe('unknown-command');
  });

  it('lets the longest command word win wherever one word is a prefix of another (/上报县 vs /上报, /任务列表 vs /任务)', () => {
    const words = COMMANDS.flatMap((c) => c.words.map((w) => ({ w, name: c.name })));
    const pairs = words.flatMap((a) => words.filter((b) => b.w !== a.w && b.w.toLowerCase().startsWith(a.w.toLowerCase())).map((b) => [a, b] as const));
    expect(pairs.map(([a, b]) => `${a.w}<${b.w}`)).toEqual(expect.arrayContaining(['/上报</上报县', '/任务</任务列表', '/task</tasks']));
    for (const [, long] of pairs) {
      for (const text of [long.w, `${long.w} 1`, `／${long.w.slice(1)}`, ...(/[a-z]$/i.test(long.w) ? [] : [`${long.w}1 x`])]) {
        const r = route(text);
        expect(r.kind === 'command' && r.command.name, text).toBe(long.name);
      }
    }
  });

  it('reads /收到 with an acknowledgement remark as a plain acknowledgement, anything else after it as a number or a mistake', () => {
    const ack = COMMANDS.find((c) => c.name === 'ack')!;
    // an emoji beside 收到 acknowledges, as it does without the slash (收到🌹)
    for (const args of ['', '！', '了', '，马上落实', '明白', '😀', '[抱拳]']) expect(ack.parse(args), args).toEqual({});
    expect(ack.parse('令17')).toEqual({ ref: { kind: 'directive', number: 17 } });
    expect(ack.parse('5号令')).toEqual({ ref: { kind: 'directive', number: 5 } });
    expect(ack.parse('第五号')).toEqual({ ref: { number: 5 } });
    expect(ack.parse('通告六，已转各户')).toEqual({ ref: { kind: 'notice', number: 6 } });
    for (const args of ['abc', '1.5', '-1', '+1', '1,000', '了解一下', '没', '吗', '5号楼']) expect(() => ack.parse(args), args).toThrow('不是编号');
  });

  it('recognises plain acknowledgement words however people punctuate them', () => {
    for (const w of ['收到', '收到！', '已收到。', '收悉', '明白', '好的收到', 'OK', 'ok!', ' 收到~ ']) expect(isPlainAck(w), w).toBe(true);
    for (const w of ['收到，马上落实', '好的收到，已转发网格户主群', '明白！今晚排查完']) expect(isPlainAck(w), w).toBe(true);
    for (const w of ['收到了吗？不清楚', '没收到', '', '1，2，3', '收到，' + '很长的一段话'.repeat(6)]) expect(isPlainAck(w), w).toBe(false);
    expect(route('收到！').kind).toBe('plain-ack');
    expect(route('今天天气不错').kind).toBe('chatter');
    expect(route('收到5号令')).toEqual({ kind: 'plain-ack', words: '收到5号令', ref: '令第5号' });
    expect(route('这边没收到')).toEqual({ kind: 'resend' });
    expect(route('是哪个令')).toEqual({ kind: 'which' });
    expect(route('收到没')).toEqual({ kind: 'chatter', mentionsAck: true });
    // the sender's own name, from the roster
    expect(route('覃雪收到').kind).toBe('chatter');
    expect(route('覃雪收到', { names: ['覃雪'] }).kind).toBe('plain-ack');
  });

  it('reads directive references as people write them', () => {
    expect(parseRef('17')).toEqual({ number: 17 });
    expect(parseRef('第17号')).toEqual({ number: 17 });
    expect(parseRef('令17')).toEqual({ kind: 'directive', number: 17 });
    expect(parseRef('通告 18')).toEqual({ kind: 'notice', number: 18 });
    expect(parseRef('〔2026〕第3号')).toEqual({ number: 3, year: 2026 });
    expect(parseRef('十七')).toEqual({ number: 17 });
  });
});
