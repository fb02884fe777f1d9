import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, platformOf } from '../src/config.js';

describe('configuration', () => {
  it('has the defaults of PRODUCT.md §4, durations in ms', () => {
    const c = loadConfig({});
    expect(c.DATABASE_URL).toBe('file:./data/gridrelay.db');
    expect(c.PORT).toBe(3000);
    expect(c.ACK_REMIND_AFTER).toBe(15 * 60_000);
    expect(c.ACK_ESCALATE_COUNTY_AFTER).toBe(60 * 60_000);
    expect(c.TASK_REMIND_BEFORE).toEqual([2 * 3_600_000, 30 * 60_000]);
    expect(c.QUIET_HOURS).toEqual({ startMin: 22 * 60, endMin: 7 * 60 });
    expect(c.DINGTALK_GROUP_RATE).toEqual({ max: 20, perMs: 60_000 });
    expect(platformOf(c)).toBe('console');
  });

  it('accepts 30s / 15m / 2h and an empty QUIET_HOURS as off', () => {
    const c = loadConfig({ ACK_REMIND_AFTER: '30s', ACK_ESCALATE_AFTER: '2h', QUIET_HOURS: '' });
    expect(c.ACK_REMIND_AFTER).toBe(30_000);
    expect(c.ACK_ESCALATE_AFTER).toBe(7_200_000);
    expect(c.QUIET_HOURS).toBeNull();
  });

  it('stops on a bad value with a message naming the variable and the accepted form', () => {
    expect(() => loadConfig({ ACK_REMIND_AFTER: 'soon' })).toThrow(ConfigError);
    expect(() => loadConfig({ ACK_REMIND_AFTER: 'soon' })).toThrow(/ACK_REMIND_AFTER="soon".*15m/);
    expect(() => loadConfig({ QUIET_HOURS: '22-7' })).toThrow(/QUIET_HOURS.*HH:MM-HH:MM/);
    expect(() => loadConfig({ TIMEZONE: 'Mars/Base' })).toThrow(/TIMEZONE/);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
  });

  it('picks the platform from credentials', () => {
    expect(platformOf(loadConfig({ DINGTALK_CLIENT_ID: 'a', DINGTALK_CLIENT_SECRET: 'b' }))).toBe('dingtalk');
    expect(platformOf(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1' }))).toBe('slack');
  });
});
