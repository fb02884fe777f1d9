/** Helpers for the directive tests: who received what, and the grid names inside ladder messages. */
import type { FastifyInstance } from 'fastify';
import { outbound, say, waitFor, type Posted } from '../helpers/console.js';

/** Conversation ids that received a message whose text starts with `prefix`, with how many each. */
export async function receivers(http: FastifyInstance, prefix: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const m of await outbound(http)) if (m.text.startsWith(prefix)) counts.set(m.conversationId, (counts.get(m.conversationId) ?? 0) + 1);
  return counts;
}

/** Messages whose text starts with `prefix`. */
export async function posted(http: FastifyInstance, prefix: string): Promise<Posted[]> {
  return (await outbound(http)).filter((m) => m.text.startsWith(prefix));
}

/** Expands `周家坞村第1、2网格；X网格` back into full grid names. */
export function expandGridNames(line: string): string[] {
  return line.split('；').flatMap((part) => {
    const m = /^(.+)第([\d、]+)网格$/.exec(part);
    return m ? m[2]!.split('、').map((n) => `${m[1]}第${n}网格`) : [part];
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Like `ask`, for groups that may also receive relays and reminders (text starting with 【) at the same
 * moment: returns the bot's first new message there that is not one of those.
 */
export async function askIn(http: FastifyInstance, conversationId: string, senderId: string, text: string): Promise<string> {
  const before = (await outbound(http, conversationId)).length;
  const r = await say(http, conversationId, senderId, text);
  if (r.status !== 202) throw new Error(`inbound answered ${r.status}`);
  const msgs = await waitFor(http, conversationId, (m) => m.slice(before).some((x) => !x.text.startsWith('【')));
  return msgs.slice(before).find((x) => !x.text.startsWith('【'))!.text;
}
