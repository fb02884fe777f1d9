/**
 * The latest session webhook of each group, shared by every process through Redis. Only the leader receives
 * robot messages (the Stream connection), but every process sends: when the leader accepts a robot message it
 * keeps that message's `sessionWebhook` here (key `<QUEUE_PREFIX>:dingtalk:<robotCode>:webhook:<conversationId>`,
 * value `{url, expiresAt}`, expiring with the webhook — DingTalk gives ~90 min after the person's message), so any
 * process can @ members of that group (`at.atUserIds`) while it is valid. A webhook that expires sooner never
 * replaces a later one. Redis errors are the caller's to catch (a lookup that fails sends names only).
 */
import type { Redis } from 'ioredis';

/** A group's session webhook: its URL and when it expires (epoch ms). */
export interface GroupWebhook {
  url: string;
  expiresAt: number;
}

/** KEYS[1] the group's key; ARGV url, expiresAt (epoch ms). Keeps the webhook that expires latest; the key expires with it. */
const REMEMBER = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local ok, old = pcall(cjson.decode, cur)
  if ok and type(old) == 'table' and tonumber(old.expiresAt) and tonumber(old.expiresAt) >= tonumber(ARGV[2]) then return 0 end
end
redis.call('SET', KEYS[1], cjson.encode({url = ARGV[1], expiresAt = tonumber(ARGV[2])}), 'PXAT', ARGV[2])
return 1
`;

export class SessionWebhooks {
  /**
   * @param redis the app's Redis connection (shared with BullMQ)
   * @param prefix the key prefix (`QUEUE_PREFIX`)
   * @param robotCode the robot the webhooks belong to (part of the key: webhooks are per robot)
   */
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly robotCode: string,
  ) {}

  private key(conversationId: string): string {
    return `${this.prefix}:dingtalk:${this.robotCode}:webhook:${conversationId}`;
  }

  /**
   * Keeps `url` as the group's webhook until `expiresAt` (epoch ms), unless the one kept expires later; an already
   * expired one is ignored. @returns whether it was kept. @throws on a Redis error
   */
  async remember(conversationId: string, url: string, expiresAt: number): Promise<boolean> {
    if (!url || !(expiresAt > Date.now())) return false;
    return Number(await this.redis.eval(REMEMBER, 1, this.key(conversationId), url, Math.floor(expiresAt))) === 1;
  }

  /**
   * The group's webhook if it is still valid `marginMs` from now, else null. @throws on a Redis error
   */
  async fresh(conversationId: string, marginMs: number): Promise<GroupWebhook | null> {
    const raw = await this.redis.get(this.key(conversationId));
    if (!raw) return null;
    try {
      const w = JSON.parse(raw) as Partial<GroupWebhook>;
      return typeof w.url === 'string' && Number(w.expiresAt) > Date.now() + marginMs ? { url: w.url, expiresAt: Number(w.expiresAt) } : null;
    } catch {
      return null;
    }
  }

  /** Forgets the group's webhook if it is still `url` (DingTalk refused it). @throws on a Redis error */
  async forget(conversationId: string, url: string): Promise<void> {
    const w = await this.fresh(conversationId, -Infinity);
    if (w?.url === url) await this.redis.del(this.key(conversationId));
  }
}
