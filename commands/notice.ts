import { defineCommand } from '../src/core/command.js';
import { ISSUER_ROLES } from '../src/core/permissions.js';
import { issueAndConfirm, parseIssueArgs, type IssueArgs } from './issue-shared.js';

export default defineCommand<IssueArgs>({
  name: 'notice',
  words: ['/通告', '/notice'],
  usage: '/通告 <内容> [回执:否]',
  summary: '发布通告（单独编号）；加「回执:否」则无需回复收到',
  allow: ISSUER_ROLES,
  where: ['county'],
  parse: parseIssueArgs,
  run: (ctx, input) => issueAndConfirm(ctx, 'notice', input),
});
