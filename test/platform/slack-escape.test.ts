/**
 * Nothing a person writes becomes a live Slack mention or link when gridrelay relays it: text is escaped
 * the way Slack asks (`&amp;` `&lt;` `&gt;`), the bot's own `<@member>` mentions are added after escaping,
 * and inbound text (escaped by Slack) is unescaped once so `a<b` round-trips. End to end against the fake
 * Slack: a directive, a task and a lead with hostile text reach the channels with no `<!channel>`,
 * `<!here…>`, `<!subteam^…>`, `<@U…>` or link the bot did not intend.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { OutboundMessage } from '../../src/core/message.js';
import { inboundMessages } from '../../src/db/schema/index.js';
import { escapeSlack, mentionText } from '../../src/platform/slack/format.js';
import { mentionToInbound, slashToInbound } from '../../src/platform/slack/inbound.js';
import { postMessage, type ChatClient } from '../../src/platform/slack/outbound.js';
import { slackToPlain } from '../../src/platform/slack/parse.js';
import type { TestApp } from '../helpers/app.js';
import { county } from '../helpers/console.js';
import { startPlatformApp, type PlatformApp } from '../helpers/platform.js';
import { until } from '../helpers/wait.js';
import type { FakeSlack, SlackPost } from '../fakes/slack.js';

/** Hostile text as it could reach us raw (through the API, not escaped by Slack's client). */
const HOSTILE = '<<!channel>!channel> <!here|x> <!subteam^S0123|@ops> <@U999HOSTILE> <!everyone> <https://evil.example|点此> <#C0001>';

const c = county();
const GRID_GROUP = c.groupOf['T01-V01-G1']!;
const GRID_WORKER = c.memberOf('T01-V01-G1', 'grid_worker');
const ROOM = c.groupOf['T01']!;
const MEMBERS = new Set(c.members.map((m) => m.member_id!));

/**
 * The `<…>` tokens of a posted text that the bot did not intend: everything but the leading
 * `<@member>` mentions of roster members.
 */
function unintended(text: string): string[] {
  const lead = /^(<@([A-Za-z0-9._-]+)> )*/.exec(text)![0];
  const ours = [...lead.matchAll(/<@([A-Za-z0-9._-]+)>/g)].map((m) => m[1]!);
  const foreign = ours.filter((id) => !MEMBERS.has(id)).map((id) => `<@${id}>`);
  return [...foreign, ...(text.slice(lead.length).match(/<[^>]*>?|>/g) ?? [])];
}

/** Every text of a post: the fallback text and each section's mrkdwn. */
function textsOf(p: SlackPost): string[] {
  const sections = (p.blocks ?? []) as unknown as { type: string; text?: { text?: string } }[];
  return [p.text, ...sections.flatMap((b) => (b.type === 'section' && b.text?.text ? [b.text.text] : []))];
}

describe('slack text escaping (pure)', () => {
  it('escapes &, < and > only; the bot’s mentions are live, an id that could break out is written plain', () => {
    expect(escapeSlack('a<b & c>d <!channel>')).toBe('a&lt;b &amp; c&gt;d &lt;!channel&gt;');
    expect(escapeSlack('&lt;')).toBe('&amp;lt;');
    expect(mentionText(['U024BE7LH', 'staff00048'])).toBe('<@U024BE7LH> <@staff00048>');
    expect(mentionText(['!channel', 'U1>|<!here'])).toBe('@!channel @U1&gt;|&lt;!here');
  });

  it('reads Slack’s markup as plain text and unescapes once', () => {
    expect(slackToPlain('a&lt;b &amp; c&gt;d')).toBe('a<b & c>d');
    expect(slackToPlain('&amp;lt;')).toBe('&lt;');
    expect(slackToPlain('<!channel> <!here|here> <!everyone> <!subteam^S0123|@ops>')).toBe('@channel @here @everyone @ops');
    expect(slackToPlain('找 <@U024BE7LH|张三> 和 <@U0G9QF9C6> 在 <#C024BE7LR|general>')).toBe('找 @张三 和 @U0G9QF9C6 在 #general');
    expect(slackToPlain('<https://example.org|说明> <https://example.org> <mailto:a@b.cn|a@b.cn>')).toBe('说明 (https://example.org) https://example.org a@b.cn');
    expect(slackToPlain('<!date^1392734382^{date}|2014年2月18日>')).toBe('2014年2月18日');
    // the bypass: stripping <!channel> from <<!channel>!channel> used to leave a live <!channel>
    expect(slackToPlain('<<!channel>!channel>')).toBe('<@channel!channel>');
  });

  it('a person’s a<b & c>d round-trips: in through an event and a slash command, out escaped', async () => {
    const ev = mentionToInbound({ channel: 'C1', user: 'U1', ts: '1.000001', text: '<@UBOT> /上报 a&lt;b &amp; c&gt;d' })!;
    expect(ev.text).toBe('/上报 a<b & c>d');
    expect(slashToInbound({ command: '/report', text: 'a&lt;b &amp; c&gt;d', channel_id: 'C1', user_id: 'U1', trigger_id: 't' }).text).toBe('/上报 a<b & c>d');
    const sent: Parameters<ChatClient['chat']['postMessage']>[0][] = [];
    const client: ChatClient = { chat: { postMessage: async (args) => (sent.push(args), { ok: true, ts: '1.1' }) } };
    const msg: OutboundMessage = { id: 1, conversationId: 'C1', text: `情况：${ev.text.replace('/上报 ', '')} ${HOSTILE}`, mentions: ['U0G9QF9C6'], actions: [{ kind: 'ack', label: '收到', command: '/收到 令1' }] };
    await postMessage(client, msg);
    expect(sent[0]!.text.startsWith('<@U0G9QF9C6> 情况：a&lt;b &amp; c&gt;d ')).toBe(true);
    expect(slackToPlain(sent[0]!.text)).toContain('a<b & c>d');
    expect(sent[0]!.link_names).toBe(false);
    const section = sent[0]!.blocks![0] as { text: { text: string } };
    for (const t of [sent[0]!.text, section.text.text]) {
      expect(t.replace(/^<@U0G9QF9C6> /, '')).not.toMatch(/[<>]/);
    }
  });
});

describe('slack relays of hostile text (fake Slack)', () => {
  let fake: FakeSlack;
  let running: PlatformApp<'slack'> | undefined;
  afterEach(async () => {
    await running?.teardown();
    running = undefined;
  });

  async function deliver(a: TestApp, body: string, contentType: string) {
    const r = await a.http.inject({ method: 'POST', url: '/slack/events', payload: body, headers: { 'content-type': contentType, ...fake.sign(body) } });
    expect(r.statusCode).toBe(200);
  }

  it('a directive, a task and a lead carrying mention markup arrive with no mention or link the bot did not intend', async () => {
    running = await startPlatformApp({ platform: 'slack' });
    fake = running.fake;
    const a = running.app;
    // a directive and a task by slash command (raw hostile text), a lead by @-mention — raw and as Slack escapes it
    await deliver(a, fake.slashCommand('/directive', c.commandGroup, c.commander, `今晚排查 ${HOSTILE} 范围:清溪街道`), 'application/x-www-form-urlencoded');
    await deliver(a, fake.slashCommand('/task', c.commandGroup, c.commander, `核查<!channel>返乡<@U999HOSTILE> 截止:明天18点 范围:清溪街道`), 'application/x-www-form-urlencoded');
    await deliver(a, fake.mentionEvent(GRID_GROUP, GRID_WORKER, `/上报 有人发热 ${HOSTILE}`).body, 'application/json');
    await deliver(a, fake.mentionEvent(GRID_GROUP, GRID_WORKER, '/上报 又一人发热 a&lt;b &amp; c&gt;d &lt;!channel&gt; <!here>').body, 'application/json');

    const directive = await until('the directive relay', () => fake.posts.find((p) => p.channel === GRID_GROUP && p.text.includes('今晚排查')), 30_000);
    const task = await until('the task relay', () => fake.posts.find((p) => p.channel === GRID_GROUP && p.text.includes('返乡')), 30_000);
    const lead = await until('the lead relay', () => fake.posts.find((p) => p.channel === ROOM && p.text.includes('有人发热')), 30_000);
    const lead2 = await until('the second lead relay', () => fake.posts.find((p) => p.channel === ROOM && p.text.includes('又一人发热')), 30_000);
    await a.outbox.flush();

    // the task relay mentions the grid's members — the only live tokens anywhere
    expect(task.text).toMatch(/^<@staff\d+> /);
    expect(directive.blocks?.length).toBeGreaterThan(0);
    const bad = fake.posts.flatMap((p) => textsOf(p).flatMap((t) => unintended(t).map((tok) => `${p.channel}: ${tok} in ${t.slice(0, 80)}`)));
    expect(bad).toEqual([]);
    // …and the hostile words are still there to read, as text
    expect(slackToPlain(directive.text)).toContain('<@channel!channel>');
    expect(slackToPlain(lead.text)).toContain('@here');
    // a person's a<b & c>d is stored as written and shown as written
    expect(a.db.select().from(inboundMessages).all().some((m) => m.text.includes('a<b & c>d <!channel> @here'))).toBe(true);
    expect(lead2.text).toContain('a&lt;b &amp; c&gt;d &lt;!channel&gt; @here');
  });
});
