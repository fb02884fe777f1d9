/**
 * `npm run demo -- --dingtalk` — the demo county's day on the local fake DingTalk (test/fakes/dingtalk.ts, the one the
 * tests use) with interactive cards (互动卡片) on, driven only through the fake, as DingTalk would drive it:
 *
 * 1. starts the fake in this process and its own compiled gridrelay on it (never one already running): a fresh SQLite
 *    file and queue prefix, the fake's env, `DINGTALK_CARD_TEMPLATE_ID` set (the fake accepts any id), quiet hours
 *    off, the app QPS and per-group rate high (`DEMO_DINGTALK_QPS`, default 200) and the first reminder after
 *    `DEMO_REMIND_AFTER` (default 20s, a duration as ACK_REMIND_AFTER takes it);
 * 2. the commander's `/令` as a robot message in the command group; its confirmation (the session webhook's answer)
 *    and the relay cards counted per group kind;
 * 3. every township officer presses their room card's 「收到」, a seeded ~90 % of the grids (`DEMO_ACK_RATE`) answer:
 *    most press the card's button (a card callback frame on the Stream socket), a few (`DEMO_TYPE_RATE`, default 5 %
 *    of those) type 收到 in the group instead; printed: how many of each, one typed answer, one card's public status
 *    and the presser's private data after the press, a township room card's count;
 * 4. the commander's `/进度 <号>` and its answer;
 * 5. the first reminder step (ladder step 1): how many reminder cards went out, whether each one's delivery
 *    (`atUserIds`) @s exactly the grid's 网格长 and 网格员, one of them in full; what DingTalk was called how often.
 * Chinese output like the console demo; exits non-zero if a step does not happen in time.
 */
import { FakeDingTalk, type FakeCard } from '../test/fakes/dingtalk.js';
import { until } from '../test/helpers/wait.js';
import type { OwnRelay } from './demo.js';

type Row = Record<string, string>;

/** What scripts/demo.ts hands over: its roster reader, its seeded PRNG and ack rate, and how it starts its gridrelay. */
export interface DingtalkDayOptions {
  /** Reads one CSV file of the demo roster (DEMO_ROSTER) as rows keyed by header. */
  csv: (file: string) => Row[];
  /** Seeded PRNG in [0, 1) (DEMO_SEED), so a run is reproducible. */
  random: () => number;
  /** Share of grids that acknowledge (DEMO_ACK_RATE, 0–1). */
  ackRate: number;
  /** Starts a compiled gridrelay with `env` over the demo's defaults (scripts/demo.ts `startOwnRelay`). */
  startRelay: (intro: string, env: Record<string, string>) => Promise<OwnRelay>;
}

const TEMPLATE_ID = 'gridrelay-demo-card.schema';
const ROLE_NAMES: Record<string, string> = { grid_leader: '网格长', grid_worker: '网格员', grid_member: '网格成员', township_officer: '乡镇干部' };

/** Seconds since `t0` (ms), one decimal. */
const since = (t0: number) => ((Date.now() - t0) / 1000).toFixed(1);

/**
 * Runs the day described in the file comment. Stops the gridrelay (its database and queue keys removed) and the
 * fake at the end, also when a step fails.
 * @throws when a step does not happen within its time (e.g. `timed out after … waiting for the relay cards`)
 */
export async function dingtalkDay(o: DingtalkDayOptions): Promise<void> {
  const remindAfter = process.env.DEMO_REMIND_AFTER || '20s';
  const qps = process.env.DEMO_DINGTALK_QPS || '200';
  const typeRate = Number(process.env.DEMO_TYPE_RATE || 0.05);
  const fake = await new FakeDingTalk().start();
  let relay: OwnRelay | null = null;
  try {
    relay = await o.startRelay(`钉钉模拟（fake DingTalk at ${fake.base}, 互动卡片 on）; starting gridrelay`, {
      ...fake.env(),
      DINGTALK_CARD_TEMPLATE_ID: TEMPLATE_ID,
      DINGTALK_APP_QPS: qps,
      DINGTALK_GROUP_RATE: '1000/s',
      ACK_REMIND_AFTER: remindAfter,
      READ_RECEIPT_POLL: '6h',
    });
    const health = (await (await fetch(`${relay.base}/healthz`)).json()) as { platform: { name: string; cards?: string; mentions?: { mode?: string } } };
    console.log(`/healthz：平台 ${health.platform.name}，卡片 ${health.platform.cards}，@ 方式 ${health.platform.mentions?.mode}；钉钉 Stream 连接 ${fake.openConnections().length} 条\n`);
    await day(o, fake, remindAfter, typeRate);
  } finally {
    await relay?.stop();
    await fake.stop();
  }
}

async function day(o: DingtalkDayOptions, fake: FakeDingTalk, remindAfter: string, typeRate: number): Promise<void> {
  const { csv, random, ackRate } = o;
  const units = csv('units.csv');
  const groups = csv('groups.csv');
  const members = csv('members.csv');
  const unitById = new Map(units.map((u) => [u.unit_id!, u]));
  const groupOf = Object.fromEntries(groups.map((g) => [g.unit_id!, g.conversation_id!]));
  const titleOf = Object.fromEntries(groups.map((g) => [g.conversation_id!, g.title!]));
  const kindOf = Object.fromEntries(groups.map((g) => [g.conversation_id!, unitById.get(g.unit_id!)?.kind ?? '']));
  const member = (unitId: string, role: string) => members.find((m) => m.unit_id === unitId && m.role === role);
  const grids = units.filter((u) => u.kind === 'grid' && groupOf[u.unit_id!]);
  const townships = units.filter((u) => u.kind === 'township' && groupOf[u.unit_id!]);
  const commander = members.find((m) => m.role === 'commander')!;
  const commandGroup = groupOf[units.find((u) => u.kind === 'county')!.unit_id!]!;

  /** A person's message in a group, as DingTalk's robot callback; @returns its session webhook's id. */
  const say = (cid: string, who: Row, text: string): string => {
    const msg = fake.robotMessage({ text, conversationId: cid, conversationTitle: titleOf[cid], senderStaffId: who.member_id, senderNick: who.name });
    fake.pushCallback(msg);
    return new URL(String(msg.sessionWebhook)).searchParams.get('session')!;
  };
  /** The bot's answer to the message of `session` (posted through that message's session webhook). */
  const answerTo = (session: string, what: string) =>
    until(what, () => {
      const b = fake.webhookPosts.find((p) => p.session === session)?.body;
      return b?.text?.content ?? b?.markdown?.text;
    }, 30_000);

  // 1. the directive
  const order = '请各网格立即开展返乡人员排查，结果报乡镇指挥室';
  console.log(`${commander.name}（指挥长）在「${titleOf[commandGroup]}」@机器人：/令 ${order}`);
  const t0 = Date.now();
  const confirm = await answerTo(say(commandGroup, commander, `/令 ${order}`), 'the /令 confirmation');
  console.log(`机器人（会话 webhook 回复，${since(t0)} 秒）：${confirm}`);
  const number = /第(\d+)号/.exec(confirm)?.[1];
  if (!number) throw new Error(`no directive number in the confirmation: ${confirm}`);
  const targets = new Set(groups.map((g) => g.conversation_id!).filter((c) => c !== commandGroup));
  const relayCard = (k: FakeCard) => targets.has(k.openConversationId) && (k.params.title ?? '').endsWith(`第${number}号`) && k.params.button_show === 'true';
  await until('the relay cards in every group', () => new Set(fake.cards.filter(relayCard).map((k) => k.openConversationId)).size === targets.size || undefined, 120_000);
  const relayCards = new Map(fake.cards.filter(relayCard).map((k) => [k.openConversationId, k]));
  const perKind = (kind: string) => [...relayCards.keys()].filter((c) => kindOf[c] === kind).length;
  const texts = fake.sends.filter((s) => JSON.stringify(s.msgParam).includes(order)).length;
  console.log(`下发完成（${since(t0)} 秒）：互动卡片 ${relayCards.size} 张 —— 乡镇指挥室 ${perKind('township')} 张、网格群 ${perKind('grid')} 张${perKind('village') ? `、村（社区）群 ${perKind('village')} 张` : ''}；以文字下发 ${texts} 条。`);
  const sample = relayCards.get(groupOf[grids[0]!.unit_id!]!)!;
  console.log(`  卡片（${titleOf[sample.openConversationId]}）：标题「${sample.params.title}」，截止 ${sample.params.deadline || '—'}，状态「${sample.params.status}」，按钮「${sample.params.button_text}」`);

  // 2. the answers: township officers press, ~90 % of the grids press or (a few) type 收到
  const roles = ['grid_worker', 'grid_leader', 'grid_member'];
  const words = ['收到', '已收到', '收到，马上落实', `/收到 ${number}`];
  const presses: { card: FakeCard; who: Row; frame: string }[] = [];
  const typed: { cid: string; who: Row; text: string; session: string }[] = [];
  const acked = new Set<string>();
  for (const g of grids) {
    if (random() >= ackRate) continue;
    const role = roles[Math.floor(random() * roles.length)]!;
    const who = member(g.unit_id!, role) ?? members.find((m) => m.unit_id === g.unit_id)!;
    const cid = groupOf[g.unit_id!]!;
    acked.add(g.unit_id!);
    if (random() < typeRate) {
      const text = words[Math.floor(random() * words.length)]!;
      typed.push({ cid, who, text, session: say(cid, who, text) });
    } else {
      const card = relayCards.get(cid)!;
      presses.push({ card, who, frame: fake.pushCardCallback(card.outTrackId, who.member_id!) });
    }
  }
  const allPressed = (what: string) =>
    until(what, () => {
      const answered = new Set(fake.acks());
      const updated = new Set(fake.cardUpdates.filter((u) => u.status === 200).map((u) => u.outTrackId));
      return presses.every((p) => answered.has(p.frame) && updated.has(p.card.outTrackId)) || undefined;
    }, 60_000);
  await allPressed('every grid press answered and its card updated');
  // then the township rooms, whose cards count their own grids' acknowledgements
  for (const t of townships) {
    const officer = member(t.unit_id!, 'township_officer');
    if (!officer) continue;
    const card = relayCards.get(groupOf[t.unit_id!]!)!;
    presses.push({ card, who: officer, frame: fake.pushCardCallback(card.outTrackId, officer.member_id!) });
  }
  await allPressed('every room press answered and its card updated');
  await until('every typed 收到 answered', () => typed.every((t) => fake.webhookPosts.some((p) => p.session === t.session)) || undefined, 60_000);
  const gridPresses = presses.filter((p) => kindOf[p.card.openConversationId] === 'grid');
  console.log(`\n${gridPresses.length} 个网格按了卡片上的「收到」，${typed.length} 个网格在群里打字回复（共 ${acked.size}/${grids.length} 个网格），然后 ${presses.length - gridPresses.length} 个乡镇指挥室按了「收到」；发令后 ${since(t0)} 秒内都已处理。`);
  const firstTyped = typed[0];
  if (firstTyped) {
    const reply = await answerTo(firstTyped.session, 'the typed 收到 answer');
    console.log(`  [${titleOf[firstTyped.cid]}] ${firstTyped.who.name}（${ROLE_NAMES[firstTyped.who.role!] ?? firstTyped.who.role}）@机器人：${firstTyped.text}（钉钉群里机器人只收到 @ 它的消息）\n  机器人（会话 webhook 回复）：${reply}`);
  }
  const pressed = gridPresses[0]!;
  const priv = pressed.card.privateData[pressed.who.member_id!] ?? {};
  console.log(`  [${titleOf[pressed.card.openConversationId]}] ${pressed.who.name}（${ROLE_NAMES[pressed.who.role!] ?? pressed.who.role}）按了「收到」：`);
  console.log(`    卡片公开状态（群里人人看到）：${pressed.card.params.status}`);
  console.log(`    按的人自己看到：按钮「${priv.button_text ?? '—'}」${priv.button_disabled === 'true' ? '（不可再按）' : ''}，${priv.note ?? ''}`);
  const roomPress = presses.find((p) => kindOf[p.card.openConversationId] === 'township');
  if (roomPress) console.log(`  [${titleOf[roomPress.card.openConversationId]}] ${roomPress.who.name} 按了「收到」：卡片显示「${roomPress.card.params.status}」「${roomPress.card.params.progress ?? ''}」`);

  // 3. progress
  const progress = await answerTo(say(commandGroup, commander, `/进度 ${number}`), 'the /进度 answer');
  console.log(`\n${commander.name}：/进度 ${number}\n机器人（会话 webhook 回复）：\n${progress}\n`);
  console.log('（「已读」来自钉钉的已读回执，按 READ_RECEIPT_POLL 在下发后 2 分钟起查询；本演示在那之前结束，所以是 0。）\n');

  // 4. the first reminder step, ACK_REMIND_AFTER after the directive: cards that @ the silent grids' leader and worker
  const silent = grids.filter((g) => !acked.has(g.unit_id!));
  console.log(`等第一次提醒（发令后 ${remindAfter}）：${silent.length} 个网格未确认 …`);
  const reminderCards = () => fake.cards.filter((k) => (k.params.content ?? '').includes('【提醒】'));
  await until('the reminder cards', () => reminderCards().length >= silent.length || undefined, 120_000);
  await new Promise((r) => setTimeout(r, 1500)); // any reminder beyond the silent grids would show now
  const reminders = reminderCards();
  const right = reminders.filter((k) => {
    const unitId = groups.find((g) => g.conversation_id === k.openConversationId)?.unit_id ?? '';
    const want = [member(unitId, 'grid_leader')?.member_id, member(unitId, 'grid_worker')?.member_id].filter(Boolean).sort();
    return JSON.stringify(Object.keys(k.atUserIds).sort()) === JSON.stringify(want);
  });
  const toSilent = reminders.filter((k) => silent.some((g) => groupOf[g.unit_id!] === k.openConversationId));
  // @所有人 would be `isAtAll` (or `atAll`) anywhere in a card's request or a webhook post
  const atAll = fake.cards.filter((k) => /atAll/i.test(JSON.stringify(k.body))).length + fake.webhookPosts.filter((p) => p.body.at?.isAtAll).length;
  console.log(`提醒卡片 ${reminders.length} 张（发令后 ${since(t0)} 秒），${toSilent.length} 张发到未确认的网格群；${right.length} 张的投放（atUserIds）正好 @ 了本网格的网格长和网格员；@所有人 ${atAll} 次。`);
  const r0 = reminders[0];
  if (r0) {
    const unitId = groups.find((g) => g.conversation_id === r0.openConversationId)?.unit_id ?? '';
    const who = Object.entries(r0.atUserIds).map(([id, name]) => `@${name}（${ROLE_NAMES[members.find((m) => m.member_id === id && m.unit_id === unitId)?.role ?? ''] ?? id}）`);
    console.log(`  [${titleOf[r0.openConversationId]}] 机器人：${who.join(' ')} ${(r0.params.content ?? '').replace(/ {2}\n/g, '\n')}`);
  }

  const calls = (path: string) => fake.apiRequests.filter((r) => r.path === path).length;
  console.log(
    `\n钉钉收到的调用：创建并投放卡片 ${calls('/v1.0/card/instances/createAndDeliver')} 次，更新卡片 ${calls('/v1.0/card/instances')} 次，` +
      `会话 webhook 回复 ${calls('/robot/sendBySession')} 次，群消息（文字）${calls('/v1.0/robot/groupMessages/send')} 次；全程 ${since(t0)} 秒。`,
  );
}
