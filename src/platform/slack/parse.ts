/**
 * Slack text as gridrelay reads it: Slack's markup (mentions, links, escaping) as plain text, the bot's
 * leading @-mention removed, and slash commands translated. Slack only routes registered slash commands,
 * so they have English names; each is translated into gridrelay's Chinese command word. After an
 * @-mention the Chinese words work as they are. Pure.
 */
import type { Attachment } from '../../core/message.js';

/** Registered Slack slash command → gridrelay command word. Unknown ones pass through unchanged. */
export const SLASH_COMMANDS: Readonly<Record<string, string>> = {
  '/directive': '/令',
  '/notice': '/通告',
  '/ack': '/收到',
  '/progress': '/进度',
  '/help': '/帮助',
  '/report': '/上报',
  '/task': '/任务',
  '/done': '/完成',
  '/stats': '/统计',
  '/amend': '/更正',
  '/revoke': '/撤回',
};

/**
 * Slack message text as the person wrote it. Slack sends `&`, `<`, `>` escaped (`&amp;` `&lt;` `&gt;`) and
 * marks mentions and links up as `<…>`: those become readable text — `<@U1|ann>` → `@ann`, `<@U1>` →
 * `@U1`, `<#C1|general>` → `#general`, `<!channel>` → `@channel`, `<!here|x>` → `@here`,
 * `<!subteam^S1|@ops>` → `@ops`, `<https://x.org|site>` → `site (https://x.org)` — and the text is
 * unescaped once, so `a &lt;b` is `a <b` (sent back escaped, it shows as written). Pure.
 */
export function slackToPlain(text: string): string {
  return text
    .replace(/<([^<>|]*)(?:\|([^<>]*))?>/g, (_m, target: string, label: string | undefined) => {
      const kind = target[0];
      if (kind === '@' || kind === '#') return `${kind}${label?.replace(/^[@#]/, '') || target.slice(1)}`;
      if (kind === '!') {
        const name = target.slice(1).split('^')[0]!;
        if (name === 'date') return label ?? '';
        if (name === 'subteam') return `@${label?.replace(/^@/, '') || 'subteam'}`;
        return `@${name}`; // channel, here, everyone: the label cannot rename them
      }
      if (!label || label === target || target.replace(/^(mailto:|tel:|https?:\/\/)/, '') === label) return label ?? target;
      return `${label} (${target})`;
    })
    .replace(/&(amp|lt|gt);/g, (_m, e: string) => (e === 'amp' ? '&' : e === 'lt' ? '<' : '>'));
}

/** Removes `<@U…>` / `<@U…|name>` mentions at the start of a message, and surrounding space. */
export function stripLeadingMentions(text: string): string {
  return text.replace(/^\s*(<@[A-Z0-9]+(\|[^>]*)?>\s*)+/i, '').trim();
}

/** Turns `/directive 文本` (command + text) into `/令 文本`. */
export function translateSlash(command: string, text: string): string {
  const word = SLASH_COMMANDS[command.toLowerCase()] ?? command;
  return `${word} ${text}`.trim();
}

/** The fields of a file shared with a message we read. */
export interface SlackFile {
  id?: string;
  url_private?: string;
  mimetype?: string;
}

/** Files shared with a message as attachments: an image → `picture`, else `file`; `ref` = `url_private`, else the file id. Files without an id are left out. */
export function fileAttachments(files: readonly SlackFile[] = []): Attachment[] {
  return files.filter((f) => f.id).map((f) => ({ kind: f.mimetype?.startsWith('image/') ? 'picture' : 'file', ref: f.url_private ?? f.id! }));
}
