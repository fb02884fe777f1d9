/**
 * A console-platform driver for tests: say things as roster members, read what the bot posted.
 * Works over `fastify.inject` (no port) — the same HTTP contract as PRODUCT.md §3.
 */
import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURE_DIR } from './app.js';

export interface Posted {
  seq: number;
  conversationId: string;
  text: string;
  markdown?: string;
  mentions?: string[];
  sentAt: string;
}

let counter = 0;

/** Posts `text` as `senderId` in `conversationId`. @returns the HTTP status and body. */
export async function say(http: FastifyInstance, conversationId: string, senderId: string, text: string, msgId?: string) {
  const r = await http.inject({
    method: 'POST',
    url: '/console/v1/inbound',
    payload: { conversationId, senderId, text, msgId: msgId ?? `t-${process.pid}-${++counter}` },
  });
  return { status: r.statusCode, body: r.json() as { msgId?: string; duplicate?: boolean; error?: string } };
}

/** Everything the bot posted (optionally in one conversation), following `after` pages. */
export async function outbound(http: FastifyInstance, conversationId?: string): Promise<Posted[]> {
  const all: Posted[] = [];
  let after = 0;
  for (;;) {
    const q = new URLSearchParams({ after: String(after), ...(conversationId ? { conversationId } : {}) });
    const r = await http.inject({ method: 'GET', url: `/console/v1/outbound?${q}` });
    const msgs = (r.json() as { messages: Posted[] }).messages;
    if (msgs.length === 0) return all;
    all.push(...msgs);
    after = msgs[msgs.length - 1]!.seq;
  }
}

/** Polls until `pred(messages)` holds; throws with the last messages seen after `ms`. */
export async function waitFor(http: FastifyInstance, conversationId: string | undefined, pred: (m: Posted[]) => boolean, ms = 20_000): Promise<Posted[]> {
  const t0 = Date.now();
  let msgs: Posted[] = [];
  while (Date.now() - t0 < ms) {
    msgs = await outbound(http, conversationId);
    if (pred(msgs)) return msgs;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`waitFor timed out after ${ms} ms; last ${msgs.length} messages: ${msgs.slice(-3).map((m) => m.text).join(' | ')}`);
}

/** Posts and waits for the bot's next message in the same conversation; returns its text. */
export async function ask(http: FastifyInstance, conversationId: string, senderId: string, text: string): Promise<string> {
  const before = (await outbound(http, conversationId)).length;
  const r = await say(http, conversationId, senderId, text);
  if (r.status !== 202) throw new Error(`inbound answered ${r.status}: ${JSON.stringify(r.body)}`);
  const msgs = await waitFor(http, conversationId, (m) => m.length > before);
  return msgs[before]!.text;
}

function csv(file: string): Record<string, string>[] {
  const [head, ...rows] = readFileSync(join(FIXTURE_DIR, file), 'utf8').trim().split('\n').map((l) => l.split(','));
  return rows.map((r) => Object.fromEntries(head!.map((h, i) => [h, r[i] ?? ''])));
}

/** The fixture county as plain rows, with handy lookups. */
export function county() {
  const units = csv('units.csv');
  const groups = csv('groups.csv');
  const members = csv('members.csv');
  const groupOf = Object.fromEntries(groups.map((g) => [g.unit_id!, g.conversation_id!]));
  const memberOf = (unitId: string, role: string) => members.find((m) => m.unit_id === unitId && m.role === role)!.member_id!;
  return {
    units,
    groups,
    members,
    groupOf,
    memberOf,
    grids: units.filter((u) => u.kind === 'grid'),
    townships: units.filter((u) => u.kind === 'township'),
    commandGroup: groupOf['C01']!,
    commander: members.find((m) => m.role === 'commander')!.member_id!,
  };
}
