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
    expect(c.WORKDAY_END).toBe('17:30');
    expect(c.DINGTALK_GROUP_RATE).toEqual({ max: 20, perMs: 60_000 });
    expect(platformOf(c)).toBe('console');
  });

  it('accepts 30s / 15m / 2h and an empty QUIET_HOURS as off', () => {
    const c = loadConfig({ ACK_REMIND_AFTER: '30s', ACK_ESCALATE_AFTER: '2h', QUIET_HOURS: '' });
    expect(c.ACK_REMIND_AFTER).toBe(30_000);
    expect(c.ACK_ESCALATE_AFTER).toBe(7_200_000);
    expect(c.QUIET_HOURS).toBeNull();
  });

  it('takes a PostgreSQL DATABASE_URL, and a {hash-tagged} QUEUE_PREFIX for Redis Cluster; refuses a half tag', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/county' }).DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/county');
    expect(loadConfig({ QUEUE_PREFIX: '{gridrelay}' }).QUEUE_PREFIX).toBe('{gridrelay}');
    expect(() => loadConfig({ QUEUE_PREFIX: '{gridrelay' })).toThrow(/QUEUE_PREFIX/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL must be file:<path> .* or postgres:\/\//);
  });

  it('stops on a bad value with a message naming the variable and the accepted form', () => {
    expect(() => loadConfig({ ACK_REMIND_AFTER: 'soon' })).toThrow(ConfigError);
    expect(() => loadConfig({ ACK_REMIND_AFTER: 'soon' })).toThrow(/ACK_REMIND_AFTER="soon".*15m/);
    expect(() => loadConfig({ QUIET_HOURS: '22-7' })).toThrow(/QUIET_HOURS.*HH:MM-HH:MM/);
    expect(() => loadConfig({ TIMEZONE: 'Mars/Base' })).toThrow(/TIMEZONE/);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ WORKDAY_END: '25:00' })).toThrow(/WORKDAY_END must be a time of day HH:MM/);
  });

  it('picks the platform from credentials', () => {
    expect(platformOf(loadConfig({ DINGTALK_CLIENT_ID: 'a', DINGTALK_CLIENT_SECRET: 'b' }))).toBe('dingtalk');
    expect(platformOf(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' }))).toBe('slack');
    expect(platformOf(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }))).toBe('slack');
  });

  it('refuses half a set of platform credentials, naming the missing variable, instead of silently starting the console', () => {
    const refused = (env: Record<string, string>, missing: RegExp) => {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(missing);
    };
    refused({ DINGTALK_CLIENT_ID: 'a' }, /DINGTALK_CLIENT_SECRET is not set/);
    refused({ DINGTALK_CLIENT_SECRET: 'b' }, /DINGTALK_CLIENT_ID is not set/);
    refused({ DINGTALK_ROBOT_CODE: 'r' }, /DINGTALK_CLIENT_ID and DINGTALK_CLIENT_SECRET are not set/);
    refused({ SLACK_APP_TOKEN: 'xapp-1' }, /SLACK_BOT_TOKEN is not set/);
    refused({ SLACK_SIGNING_SECRET: 's' }, /SLACK_BOT_TOKEN is not set/);
    refused({ SLACK_APP_TOKEN: 'xapp-1', SLACK_SIGNING_SECRET: 's' }, /SLACK_BOT_TOKEN is not set/);
    refused({ SLACK_BOT_TOKEN: 'xoxb-1' }, /SLACK_APP_TOKEN or SLACK_SIGNING_SECRET is not set/);
    // half of DingTalk is refused even beside a complete Slack set
    refused({ DINGTALK_CLIENT_ID: 'a', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' }, /DINGTALK_CLIENT_SECRET is not set/);
    // empty strings count as unset
    refused({ DINGTALK_CLIENT_ID: 'a', DINGTALK_CLIENT_SECRET: '' }, /DINGTALK_CLIENT_SECRET is not set/);
  });

  it('refuses an open console API on a non-loopback HOST: CONSOLE_TOKEN is required there', () => {
    for (const HOST of ['0.0.0.0', '::', '192.168.1.10', 'gridrelay.example.org']) {
      expect(() => loadConfig({ HOST }), HOST).toThrow(/CONSOLE_TOKEN is not set/);
    }
    for (const HOST of ['127.0.0.1', '127.0.0.2', '::1', '[::1]', 'localhost', 'LOCALHOST']) {
      expect(loadConfig({ HOST }).CONSOLE_TOKEN, HOST).toBeUndefined();
    }
    expect(loadConfig({ HOST: '0.0.0.0', CONSOLE_TOKEN: '0123456789abcdef0123' }).CONSOLE_TOKEN).toBe('0123456789abcdef0123');
    // a weak token is refused
    expect(() => loadConfig({ HOST: '0.0.0.0', CONSOLE_TOKEN: 'secret' })).toThrow(/CONSOLE_TOKEN must be at least 16 characters/);
    expect(() => loadConfig({ CONSOLE_TOKEN: 'has spaces in it, sixteen+' })).toThrow(/CONSOLE_TOKEN/);
    // another platform's HOST needs no console token (the console is not served)
    expect(platformOf(loadConfig({ HOST: '0.0.0.0', DINGTALK_CLIENT_ID: 'a', DINGTALK_CLIENT_SECRET: 'b' }))).toBe('dingtalk');
  });

  it('takes the leader lease in ms, renewed at most twice per lease', () => {
    expect(loadConfig({}).LEADER_LEASE_MS).toBe(10_000);
    expect(loadConfig({}).LEADER_RENEW_MS).toBeUndefined(); // → a third of the lease
    expect(loadConfig({ LEADER_LEASE_MS: '600', LEADER_RENEW_MS: '200' })).toMatchObject({ LEADER_LEASE_MS: 600, LEADER_RENEW_MS: 200 });
    expect(() => loadConfig({ LEADER_LEASE_MS: '10s' })).toThrow(/LEADER_LEASE_MS/);
    expect(() => loadConfig({ LEADER_LEASE_MS: '5000', LEADER_RENEW_MS: '3000' })).toThrow(/LEADER_RENEW_MS=3000 is more than half of LEADER_LEASE_MS=5000/);
  });
});
