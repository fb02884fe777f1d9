/** Reading `/督查`'s text and finding numbers as people write them (pure; workflows/inspection/fields.ts). */
import { describe, expect, it } from 'vitest';
import { maskNames } from '../../src/core/mask.js';
import { findingDirectiveRef, parseFindingArgs, parseFindingRef, splitFindingArgs } from '../../workflows/inspection/index.js';

describe('督查 fields', () => {
  it('reads finding numbers in the forms people write', () => {
    for (const t of ['5', '05', '5号', '第5号', '第五号', '五', '督查5', '督查第5号', '督查〔2026〕第5号']) expect(parseFindingRef(t), t).toMatchObject({ number: 5 });
    expect(parseFindingRef('督查〔2026〕第5号')).toEqual({ number: 5, year: 2026 });
    expect(parseFindingRef('〔2025〕5')).toEqual({ number: 5, year: 2025 });
    expect(parseFindingRef('2025年第5号')).toEqual({ number: 5, year: 2025 });
    for (const t of ['0', '-1', '1.5', 'abc', '督查', '令5', '5号令']) expect(parseFindingRef(t), t).toBeNull();
  });

  it('splits <督查号> [说明], with or without a space after 督查', () => {
    expect(splitFindingArgs('5 已安排专人值守', true, '整改情况')).toEqual({ ref: { number: 5 }, note: '已安排专人值守' });
    expect(splitFindingArgs('督查 5 已整改1个卡口', true, '整改情况')).toEqual({ ref: { number: 5 }, note: '已整改1个卡口' });
    expect(splitFindingArgs('督查〔2026〕第5号', false, '说明')).toEqual({ ref: { number: 5, year: 2026 }, note: '' });
    expect(() => splitFindingArgs('5', true, '整改情况')).toThrow('缺少整改情况');
    expect(() => splitFindingArgs('', true, '整改情况')).toThrow('缺少督查号');
    expect(() => splitFindingArgs('卡口 已整改', true, '整改情况')).toThrow('不是督查号');
  });

  it('takes 人数 out of /督查 and needs a unit and a problem', () => {
    expect(parseFindingArgs('马坞镇高垄口村第2网格 令17 卡口无人值守 人数:2')).toEqual({ words: ['马坞镇高垄口村第2网格', '令17', '卡口无人值守'], people: 2 });
    expect(parseFindingArgs('马坞镇 人数：三人 台账缺失')).toEqual({ words: ['马坞镇', '台账缺失'], people: 3 });
    expect(() => parseFindingArgs('')).toThrow('缺少网格（或乡镇）和问题');
    expect(() => parseFindingArgs('马坞镇')).toThrow('缺少问题');
    expect(() => parseFindingArgs('马坞镇 台账 人数:很多')).toThrow('人数「很多」看不懂');
    expect(() => parseFindingArgs(`马坞镇 ${'问'.repeat(1000)}`)).toThrow('督查内容太长');
  });

  it('names a directive only with a kind word or 第…号: a bare number or N号 is part of the problem', () => {
    expect(findingDirectiveRef('令17')).toEqual({ kind: 'directive', number: 17 });
    expect(findingDirectiveRef('第17号')).toEqual({ number: 17 });
    expect(findingDirectiveRef('指挥部令〔2026〕第17号')).toEqual({ kind: 'directive', number: 17, year: 2026 });
    expect(findingDirectiveRef('通告3')).toEqual({ kind: 'notice', number: 3 });
    for (const w of ['17', '2号', '2人脱岗', '卡口无人值守', '2号卡口', '令行禁止未落实']) expect(findingDirectiveRef(w), w).toBeNull();
  });

  it('asks again when a word reads as a reference with a number that is not one, instead of filing it as the problem', () => {
    for (const w of ['令1.5', '令-2', '通告3a', '1.5号令']) expect(() => findingDirectiveRef(w), w).toThrow('不是编号');
  });

  it('masks roster names, longest first', () => {
    expect(maskNames('网格员张三、王小明脱岗，王小在岗', ['张三', '王小明', '王小', '李'])).toBe('网格员张*、王**脱岗，王*在岗');
    expect(maskNames('无人值守', ['张三'])).toBe('无人值守');
  });
});
