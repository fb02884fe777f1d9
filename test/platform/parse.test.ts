/** Pure parsing of platform payloads (recorded DingTalk fixtures, Slack shapes) and adapter selection. */
import { describe, expect, it } from 'vitest';
import { loadConfig, platformOf } from '../../src/config.js';
import { backoffDelay } from '../../src/platform/dingtalk/connection.js';
import { isParseFailure, parseRobotMessage } from '../../src/platform/dingtalk/inbound.js';
import { stripMentions } from '../../src/platform/dingtalk/parse.js';
import { splitForParam } from '../../src/platform/dingtalk/format.js';
import { mentionToInbound } from '../../src/platform/slack/inbound.js';
import { translateSlash } from '../../src/platform/slack/parse.js';
import { fixture } from '../fakes/dingtalk.js';

describe('dingtalk parse', () => {
  it('reads the recorded CALLBACK frame: leading space gone, dedup key robotCode:msgId, webhook kept', () => {
    const frame = fixture<{ data: string }>('stream-frame-callback.json');
    const msg = parseRobotMessage(frame.data, 'fallback');
    if (isParseFailure(msg)) throw new Error(msg.reason);
    expect(msg).toMatchObject({
      platform: 'dingtalk',
      platformMsgId: 'dingSyntheticRobot01:msgSynthetic+0000000000001==',
      conversationId: 'cidVDAxLVYwMS1HMS1ncmlk',
      senderId: 'staff00048',
      text: '/上报 类别：返乡人员 一家三口从外省返回',
      replyContext: { sessionWebhook: 'https://oapi.dingtalk.com/robot/sendBySession?session=synthetic0001', sessionWebhookExpiredTime: 1770087000000 },
    });
  });

  it('keeps download codes of picture and richText messages as attachments', () => {
    const pic = parseRobotMessage(fixture('robot-picture.json') as never, 'x');
    const rich = parseRobotMessage(fixture('robot-richtext.json') as never, 'x');
    expect(pic).toMatchObject({ text: '', attachments: [{ kind: 'picture', ref: 'syntheticDlCode01' }] });
    expect(rich).toMatchObject({ text: '/完成 3 已完成排查，照片如下', attachments: [{ kind: 'picture', ref: 'syntheticDlCode02' }] });
  });

  it('strips @-mentions the client left in the text, and refuses a message without msgId', () => {
    expect(stripMentions(' @应急助手 收到')).toBe('收到');
    expect(stripMentions(' 收到 @应急助手')).toBe('收到');
    expect(parseRobotMessage('{"conversationId":"c"}', 'x')).toEqual({ reason: 'no msgId' });
    expect(parseRobotMessage('not json', 'x')).toEqual({ reason: 'data is not JSON' });
  });

  it('splits text so every msgParam stays within the byte limit, losing nothing', () => {
    const text = '网'.repeat(3000) + '\n' + '格'.repeat(2000);
    const parts = splitForParam(text, (p) => ({ content: p }), 5000);
    expect(parts.length).toBeGreaterThan(2);
    for (const p of parts) expect(Buffer.byteLength(JSON.stringify({ content: p }))).toBeLessThanOrEqual(5000);
    expect(parts.join('').replace('\n', '')).toBe(text.replace('\n', ''));
  });

  it('backs off exponentially with jitter, capped', () => {
    expect(backoffDelay(0, 1000, 60_000, () => 1)).toBe(1000);
    expect(backoffDelay(3, 1000, 60_000, () => 1)).toBe(8000);
    expect(backoffDelay(3, 1000, 60_000, () => 0)).toBe(4000);
    expect(backoffDelay(20, 1000, 60_000, () => 1)).toBe(60_000);
  });
});

describe('slack parse', () => {
  it('translates registered slash commands to the Chinese command words', () => {
    expect(translateSlash('/directive', '今晚排查')).toBe('/令 今晚排查');
    expect(translateSlash('/ack', '')).toBe('/收到');
    expect(translateSlash('/progress', '17')).toBe('/进度 17');
  });

  it('strips the bot mention and keys the message by channel:ts', () => {
    expect(mentionToInbound({ channel: 'C1', user: 'U1', ts: '1.000100', text: '<@UBOT> 收到' })).toMatchObject({ platformMsgId: 'C1:1.000100', text: '收到', senderId: 'U1' });
  });
});

describe('platform selection', () => {
  it('DingTalk credentials → dingtalk, else a Slack bot token → slack, else console', () => {
    expect(platformOf(loadConfig({}))).toBe('console');
    expect(platformOf(loadConfig({ SLACK_BOT_TOKEN: 'xoxb', SLACK_SIGNING_SECRET: 's' }))).toBe('slack');
    expect(platformOf(loadConfig({ DINGTALK_CLIENT_ID: 'a', DINGTALK_CLIENT_SECRET: 'b', SLACK_BOT_TOKEN: 'x' }))).toBe('dingtalk');
  });

  it('names the variable when a DingTalk duration is malformed', () => {
    expect(() => loadConfig({ DINGTALK_IDLE_TIMEOUT: 'soon' })).toThrow(/DINGTALK_IDLE_TIMEOUT/);
  });
});
