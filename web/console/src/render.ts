/**
 * A chat message's text as safe HTML: markdown rendered by `marked` with every raw HTML tag escaped and links
 * limited to http(s) and relative ones; plain text escaped with its line breaks kept. Then, in the text between
 * tags only, @-mentions and the numbers people quote (`指挥部令〔2026〕第17号`, `线索 20261202-007`,
 * `通告〔2026〕第3号`, `专项任务〔2026〕第3号`, `督查〔2026〕第5号`) are wrapped in spans the page colours.
 */
import { Marked, type Tokens } from 'marked';

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** `s` with the five HTML-special characters escaped. */
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESC[c]!);

const SAFE_HREF = /^(https?:\/\/|\/(?!\/)|#)/i;

const md = new Marked({
  gfm: true,
  breaks: true,
  async: false,
  renderer: {
    // raw HTML in a message is shown as text, never interpreted
    html: ({ text }: Tokens.HTML | Tokens.Tag) => escapeHtml(text),
    link(this: { parser: { parseInline(t: Tokens.Generic[]): string } }, { href, title, tokens }: Tokens.Link) {
      const inner = this.parser.parseInline(tokens);
      if (!SAFE_HREF.test(href)) return inner;
      return `<a href="${escapeHtml(href)}"${title ? ` title="${escapeHtml(title)}"` : ''} target="_blank" rel="noopener noreferrer">${inner}</a>`;
    },
    image: ({ href, text }: Tokens.Image) =>
      SAFE_HREF.test(href) ? `<img src="${escapeHtml(href)}" alt="${escapeHtml(text)}" loading="lazy">` : escapeHtml(text),
  },
});

/** Numbers of items (directives, notices, tasks, findings, leads) as people write and quote them. */
const NUMBER = /(?:指挥部令|专项任务|督查|通告|令)?〔\d{4}〕第\d+号|线索\s?\d{8}-\d{3,}/g;
/** `@name`: CJK, letters, digits, `_`, `-`, `·` up to 20 characters (the bot's mentions and people's). */
const MENTION = /@[\p{Script=Han}\p{L}\p{N}_·-]{1,20}/gu;

/** Wraps mentions and numbers in `html`'s text (never inside a tag or an attribute). */
export function highlight(html: string): string {
  return html
    .split(/(<[^>]*>)/)
    .map((part) =>
      part.startsWith('<')
        ? part
        : part
            .replace(NUMBER, (m) => `<span class="num">${m}</span>`)
            .replace(MENTION, (m) => `<span class="mention">${m}</span>`),
    )
    .join('');
}

/** A message's body as HTML: its `markdown` rendered when it has one, else its plain `text`; highlighted. */
export function messageHtml(m: { text: string; markdown?: string }): string {
  const body = m.markdown ? (md.parse(m.markdown) as string) : escapeHtml(m.text).replace(/\n/g, '<br>');
  return highlight(body);
}
