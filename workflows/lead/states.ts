/** The states of a lead and the moves between them (受理 / 核查 / 处置 / 办结). */
import type { LeadState } from '../../src/db/schema/index.js';

/** Each state as people read it. */
export const LEAD_STATE_ZH: Record<LeadState, string> = {
  reported: '待受理',
  accepted: '已受理',
  verifying: '核查中',
  handling: '处置中',
  closed: '已办结',
};

/** The moves and the states they may start from. */
export const MOVES = {
  accept: { to: 'accepted', from: ['reported'], zh: '受理', word: '/受理' },
  verify: { to: 'verifying', from: ['accepted'], zh: '核查', word: '/核查' },
  handle: { to: 'handling', from: ['accepted', 'verifying'], zh: '处置', word: '/处置' },
  close: { to: 'closed', from: ['accepted', 'verifying', 'handling'], zh: '办结', word: '/办结' },
} as const satisfies Record<string, { to: LeadState; from: readonly LeadState[]; zh: string; word: string }>;
export type Move = keyof typeof MOVES;
