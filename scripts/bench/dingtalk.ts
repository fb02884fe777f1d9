/**
 * The relay of one county-wide directive through DingTalk, against the local DingTalk fake (test/fakes/dingtalk.ts,
 * the same the tests use) at the app's QPS (`DINGTALK_APP_QPS`): how close the sends come to the limit.
 */
import { FakeDingTalk } from '../../test/fakes/dingtalk.js';
import { sleep, startServer } from './lib.js';
import type { BenchCounty } from './roster.js';

/**
 * Starts the fake and gridrelay on it (`args`, `env` + the fake's env, app QPS `qps`, no per-group limit), has the
 * commander post `/令` in the command group, and waits until `groups` groups got the relay (OpenAPI sends).
 * @returns calls per second from the first relay send to the last, and the seconds it took
 * @throws when the relay does not reach every group within 2 × groups / qps + 60 s
 */
export async function dingtalkRelay(o: { args: string[]; env: Record<string, string>; county: BenchCounty; qps: number; groups: number }): Promise<{ perSecond: number; seconds: number }> {
  const fake = await new FakeDingTalk().start();
  const server = await startServer(o.args, { ...o.env, ...fake.env(), DINGTALK_APP_QPS: String(o.qps), DINGTALK_GROUP_RATE: '1000/s', READ_RECEIPT_POLL: '6h' });
  try {
    for (let i = 0; fake.openConnections().length === 0; i++) {
      if (i > 400) throw new Error('bench: gridrelay did not open the DingTalk stream');
      await sleep(25);
    }
    const before = fake.sends.length;
    fake.pushCallback(fake.robotMessage({ text: '/令 基准测试：钉钉下发', conversationId: o.county.command.conversationId, senderStaffId: o.county.command.memberId }));
    const deadline = performance.now() + (2 * o.groups * 1000) / o.qps + 60_000;
    const relays = () => fake.sends.slice(before).filter((s) => (s.msgParam.content ?? s.msgParam.text ?? '').includes('基准测试：钉钉下发'));
    while (new Set(relays().map((s) => s.openConversationId)).size < o.groups) {
      if (performance.now() > deadline) throw new Error(`bench: DingTalk relay reached ${new Set(relays().map((s) => s.openConversationId)).size}/${o.groups} groups`);
      await sleep(100);
    }
    const at = relays().map((s) => s.at);
    const seconds = (Math.max(...at) - Math.min(...at)) / 1000;
    return { perSecond: (at.length - 1) / seconds, seconds };
  } finally {
    await server.stop();
    await fake.stop();
  }
}
