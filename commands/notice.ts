import { defineCommand } from '../src/core/command.js';
import { ISSUER_ROLES, mayIssueNotice } from '../src/core/permissions.js';
import { issueAndConfirm, parseIssueArgs, type IssueArgs } from './issue-and-confirm.js';

export default defineCommand<IssueArgs>({
  name: 'notice',
  words: ['/通告', '/notice'],
  usage: '/通告 <内容> [范围:…] [时限:30分钟] [回执:否]',
  summary: '发布通告（单独编号）；乡镇干部可在本乡镇指挥室向本乡镇发布；加「回执:否」则无需回复收到',
  allow: [...ISSUER_ROLES, 'township_officer'],
  where: ['county', 'township'],
  policy: mayIssueNotice,
  verbatim: true,
  parse: parseIssueArgs,
  // a township officer's notice reaches its own township only
  run: async (ctx, input) => await issueAndConfirm(ctx, 'notice', input, ctx.tier === 'county' ? undefined : ctx.groupUnit.id),
});
