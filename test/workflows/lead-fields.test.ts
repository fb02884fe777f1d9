import { describe, expect, it } from 'vitest';
import { maskPersonal } from '../../src/core/mask.js';
import { UsageError } from '../../src/core/errors.js';
import { parseLeadRef, parseLeadReport, parseMoveArgs, parsePeople } from '../../workflows/lead/fields.js';

describe('lead report fields', () => {
  it('reads fields with ASCII or full-width colons, in any order, anywhere in the text', () => {
    const r = parseLeadReport('紧急：是 一家从重庆返乡，孩子发烧 人数:3 地点：周家坞村3组 类别:返乡人员');
    expect(r).toMatchObject({ description: '一家从重庆返乡，孩子发烧', category: '返乡人员', location: '周家坞村3组', people: '3', peopleCount: 3, urgency: 'high', urgent: true, notUnderstood: [] });
    const s = parseLeadReport('类别:发热，地点:3组5号，人数:两人，紧急:低，老人咳嗽两天');
    expect(s).toMatchObject({ description: '老人咳嗽两天', category: '发热', location: '3组5号', peopleCount: 2, urgency: 'low', urgent: false });
  });

  it('keeps an unreadable field as written and names it, never refusing', () => {
    const r = parseLeadReport('村口有人聚集打牌 人数:很多 类别:打牌 紧急:马上');
    expect(r.description).toBe('村口有人聚集打牌');
    expect(r).toMatchObject({ people: '很多', category: '打牌', urgencyText: '马上', urgent: false });
    expect(r.notUnderstood.sort()).toEqual(['人数', '类别', '紧急'].sort());
  });

  it('refuses only when there is nothing to act on', () => {
    expect(() => parseLeadReport('')).toThrow(UsageError);
    expect(() => parseLeadReport('紧急:是 人数:3')).toThrow(/缺少线索内容/);
    expect(parseLeadReport('地点:周家坞村3组').location).toBe('周家坞村3组');
  });

  it('counts people written in figures or Chinese', () => {
    expect([parsePeople('4'), parsePeople('4人'), parsePeople('三口人'), parsePeople('十二名'), parsePeople('二十'), parsePeople('很多')]).toEqual([4, 4, 3, 12, 20, null]);
  });

  it('reads lead numbers with or without the day', () => {
    expect(parseLeadRef('20260129-007')).toEqual({ day: 20260129, number: 7 });
    expect(parseLeadRef('线索 20260129-12')).toEqual({ day: 20260129, number: 12 });
    expect(parseLeadRef('007')).toEqual({ number: 7 });
    expect(parseLeadRef('7')).toEqual({ number: 7 });
    expect(parseLeadRef('abc')).toBeNull();
    expect(parseMoveArgs('7 已电话核实', true)).toEqual({ ref: { number: 7 }, note: '已电话核实' });
    expect(() => parseMoveArgs('7', true, '结果')).toThrow(/缺少结果/);
  });
});

describe('maskPersonal', () => {
  it('masks CN mobiles and ID-card numbers, leaving other numbers alone', () => {
    expect(maskPersonal('电话13800000001，备用 139-1234-5678')).toBe('电话138****0001，备用 139****5678');
    expect(maskPersonal('身份证500101199001011234，另一 11010119800101123X')).toBe('身份证500101********1234，另一 110101********123X');
    expect(maskPersonal('线索 20260129-007 人数3 门牌12号 单号123456789012')).toBe('线索 20260129-007 人数3 门牌12号 单号123456789012');
  });
});
