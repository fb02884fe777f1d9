/** What `/令` and `/通告` share: parse the text (and `回执:否`), issue, confirm. */
import type { CommandContext } from '../src/core/command.js';
import { UsageError } from '../src/core/errors.js';
import type { Reply } from '../src/core/message.js';
import type { DirectiveKind } from '../src/db/schema/index.js';
import { formatNumber, issue } from '../workflows/directive.js';

export interface IssueArgs {
  text: string;
  ackRequired: boolean;
}

/** Parses the body of `/令` or `/通告`; `回执:否` turns off the receipt. @throws UsageError when empty. */
export function parseIssueArgs(args: string): IssueArgs {
  let ackRequired = true;
  const text = args
    .replace(/回执\s*[:：]\s*(否|不需要|无|no)\s*/i, () => {
      ackRequired = false;
      return '';
    })
    .trim();
  if (!text) throw new UsageError('缺少内容');
  return { text, ackRequired };
}

/** Issues and returns the confirmation for the command group. */
export function issueAndConfirm(ctx: CommandContext, kind: DirectiveKind, args: IssueArgs): Reply {
  const r = issue(ctx.deps, {
    kind,
    text: args.text,
    ackRequired: args.ackRequired,
    issuer: ctx.sender,
    conversationId: ctx.group.conversationId,
    inboundId: ctx.message.inboundId,
  });
  const n = formatNumber(r.directive);
  const follow = args.ackRequired ? `/进度 ${r.directive.kind === 'notice' ? '通告' : ''}${r.directive.number} 查看确认情况。` : '无需回执。';
  return { text: `已发布 ${n}，下发 ${r.townships} 个乡镇指挥室、${r.grids} 个网格群。${follow}` };
}
