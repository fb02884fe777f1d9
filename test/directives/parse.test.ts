import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { parseChangeArgs } from '../../commands/change-args.js';
import { parseIssueArgs, parseWindow } from '../../commands/issue-and-confirm.js';
import { compactGridNames, ladderTimes } from '../../workflows/directive/ladder.js';
import { expandGridNames } from './util.js';

describe('parsing /令 and /通告 fields', () => {
  it('takes 范围, 时限, 回执 and 紧急 out of the text, wherever they stand', () => {
    expect(parseIssueArgs('范围:清溪街道、华岭镇 今晚完成排查')).toEqual({ text: '今晚完成排查', ackRequired: true, urgent: false, scope: ['清溪街道', '华岭镇'] });
    expect(parseIssueArgs('今晚完成排查 范围：红色网格, 一级管控 时限:1小时')).toEqual({
      text: '今晚完成排查',
      ackRequired: true,
      urgent: false,
      scope: ['红色网格', '一级管控'],
      ackWindowMs: 3_600_000,
    });
    expect(parseIssueArgs('范围:红色网格时限:30分钟 核酸')).toMatchObject({ scope: ['红色网格'], ackWindowMs: 1_800_000, text: '核酸' });
    expect(parseIssueArgs('紧急 封控 回执:否')).toMatchObject({ urgent: true, ackRequired: false, text: '封控' });
    expect(parseIssueArgs('【紧急】封控')).toMatchObject({ urgent: true, text: '【紧急】封控' });
  });

  it('refuses an empty text, an empty scope and an unreadable deadline', () => {
    expect(() => parseIssueArgs('范围:红色网格')).toThrow('缺少内容');
    expect(() => parseIssueArgs('核酸 范围:')).toThrow('范围为空');
    expect(() => parseIssueArgs('核酸 时限:尽快')).toThrow('时限「尽快」');
  });

  it('reads deadlines in Chinese and in config form', () => {
    expect(parseWindow('30分钟')).toBe(1_800_000);
    expect(parseWindow('半小时')).toBe(1_800_000);
    expect(parseWindow('2小时内')).toBe(7_200_000);
    expect(parseWindow('45m')).toBe(2_700_000);
    expect(parseWindow('很快')).toBeNull();
  });

  it('splits /更正 and /撤回 into the number and the text', () => {
    expect(parseChangeArgs('17 改为18点', true)).toEqual({ ref: { number: 17 }, text: '改为18点' });
    expect(parseChangeArgs('通告18 取消', true)).toEqual({ ref: { kind: 'notice', number: 18 }, text: '取消' });
    expect(parseChangeArgs('第17号', false)).toEqual({ ref: { number: 17 }, text: '' });
    expect(() => parseChangeArgs('17', true)).toThrow('缺少更正内容');
    expect(() => parseChangeArgs('改一下', true)).toThrow('不是编号');
  });
});

describe('ladder times and grid lists', () => {
  const config = loadConfig({ ACK_REMIND_AFTER: '15m', ACK_ESCALATE_AFTER: '30m', ACK_ESCALATE_COUNTY_AFTER: '60m' });
  const t0 = new Date('2026-02-01T02:00:00Z');
  it('remind after ACK_REMIND_AFTER, escalate at the deadline, roll up the configured gap later', () => {
    const at = ladderTimes(config, t0, 30 * 60_000);
    expect([at[1], at[2], at[3]].map((d) => (d.getTime() - t0.getTime()) / 60_000)).toEqual([15, 30, 60]);
    const short = ladderTimes(config, t0, 10 * 60_000); // 时限:10分钟 — remind at half-time
    expect([short[1], short[2], short[3]].map((d) => (d.getTime() - t0.getTime()) / 60_000)).toEqual([5, 10, 40]);
  });
  it('folds grid names per village and back', () => {
    const names = ['周家坞村第1网格', '周家坞村第2网格', '何家坞村第3网格', '老街网格'];
    const s = compactGridNames(names);
    expect(s).toBe('周家坞村第1、2网格；何家坞村第3网格；老街网格');
    expect(expandGridNames(s)).toEqual(names);
  });
});
