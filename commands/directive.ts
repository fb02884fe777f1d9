import { defineCommand } from '../src/core/command.js';
import { ISSUER_ROLES } from '../src/core/permissions.js';
import { issueAndConfirm, parseIssueArgs, type IssueArgs } from './issue-and-confirm.js';

export default defineCommand<IssueArgs>({
  name: 'directive',
  words: ['/令', '/指挥部令', '/directive'],
  usage: '/令 <内容> [范围:乡镇/红色网格/一级管控/网格名] [时限:30分钟]',
  summary: '发布指挥部令，自动编号并下发到范围内的乡镇指挥室和网格群（默认全县）',
  allow: ISSUER_ROLES,
  where: ['county'],
  verbatim: true,
  parse: parseIssueArgs,
  run: async (ctx, input) => await issueAndConfirm(ctx, 'directive', input),
});
