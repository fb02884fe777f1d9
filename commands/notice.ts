import { defineCommand } from '../src/core/command.js';
import { Refusal } from '../src/core/errors.js';
import { ISSUER_ROLES } from '../src/core/permissions.js';
import { issueAndConfirm, parseIssueArgs, type IssueArgs } from './issue-and-confirm.js';

export default defineCommand<IssueArgs>({
  name: 'notice',
  words: ['/通告', '/notice'],
  usage: '/通告 <内容> [范围:…] [时限:30分钟] [回执:否]',
  summary: '发布通告（单独编号）；乡镇干部可在本乡镇指挥室向本乡镇发布；加「回执:否」则无需回复收到',
  allow: [...ISSUER_ROLES, 'township_officer'],
  where: ['county', 'township'],
  verbatim: true,
  parse: parseIssueArgs,
  run(ctx, input) {
    if (ctx.tier === 'county') {
      if (!ISSUER_ROLES.includes(ctx.sender.role)) throw new Refusal('乡镇干部请在本乡镇指挥室发布通告（仅限本乡镇）。');
      return issueAndConfirm(ctx, 'notice', input);
    }
    if (ctx.sender.role !== 'township_officer' || ctx.sender.unitId !== ctx.groupUnit.id) {
      throw new Refusal('在乡镇指挥室只有本乡镇干部可以发布通告（仅限本乡镇）；指挥部请在指挥部群发布。');
    }
    return issueAndConfirm(ctx, 'notice', input, ctx.groupUnit.id);
  },
});
