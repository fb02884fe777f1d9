/**
 * The core's message → DingTalk bodies: a session-webhook body (`text` or `markdown`, with `at` and the
 * mentions written out), or the OpenAPI `msgParam`s of `groupMessages/send` (`sampleText` /
 * `sampleMarkdown`, each a JSON string of at most 15,000 UTF-8 bytes — longer bodies are split). Pure.
 */
import type { OutboundMessage } from '../../core/message.js';

/** DingTalk's limit on `msgParam`, in UTF-8 bytes. */
export const MAX_PARAM_BYTES = 15_000;

/** Length of `s` in UTF-8 bytes. */
export const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/**
 * Splits `text` into pieces whose `JSON.stringify(wrap(piece))` is at most `maxBytes` UTF-8 bytes,
 * cutting at line ends where possible. @returns at least one piece
 */
export function splitForParam(text: string, wrap: (piece: string) => unknown, maxBytes = MAX_PARAM_BYTES): string[] {
  const fits = (s: string) => utf8Bytes(JSON.stringify(wrap(s))) <= maxBytes;
  if (fits(text)) return [text];
  const pieces: string[] = [];
  let current = '';
  const push = () => {
    if (current) pieces.push(current);
    current = '';
  };
  for (const line of text.split('\n')) {
    const candidate = current ? `${current}\n${line}` : line;
    if (fits(candidate)) {
      current = candidate;
      continue;
    }
    push();
    if (fits(line)) {
      current = line;
      continue;
    }
    for (const ch of line) {
      if (!fits(current + ch)) push();
      current += ch;
    }
  }
  push();
  return pieces.length ? pieces : [''];
}

/** A short title for markdown messages: the first line without markdown marks, at most 20 characters. */
export function titleOf(text: string): string {
  const first = text.split('\n').find((l) => l.trim()) ?? '通知';
  return [...first.replace(/^[#>*\s-]+/, '').trim()].slice(0, 20).join('') || '通知';
}

/**
 * The session-webhook body of `msg`: `markdown` when it has a markdown rendition, else `text`; every
 * mention in `at.atUserIds` (never all), and written as `@id` after the text where the text does not
 * already name it. The caller checks its size against {@link MAX_PARAM_BYTES}.
 */
export function webhookBody(msg: OutboundMessage): Record<string, unknown> {
  const mentions = msg.mentions ?? [];
  const tail = mentions.filter((id) => !(msg.markdown ?? msg.text).includes(`@${id}`)).map((id) => `@${id}`).join(' ');
  const at = { atUserIds: mentions, isAtAll: false };
  return msg.markdown
    ? { msgtype: 'markdown', markdown: { title: titleOf(msg.text), text: tail ? `${msg.markdown}\n\n${tail}` : msg.markdown }, at }
    : { msgtype: 'text', text: { content: tail ? `${msg.text} ${tail}` : msg.text }, at };
}

/**
 * The OpenAPI `groupMessages/send` rendition of `msg`: `msgKey` `sampleMarkdown` (`{title, text}`) when
 * it has markdown, else `sampleText` (`{content}`), and one `msgParam` JSON string per piece, each within
 * {@link MAX_PARAM_BYTES} less 200 bytes of room. @returns at least one `msgParam`
 */
export function openApiParams(msg: OutboundMessage): { msgKey: 'sampleMarkdown' | 'sampleText'; msgParams: string[] } {
  const markdown = msg.markdown;
  const title = titleOf(msg.text);
  const pieces = markdown
    ? splitForParam(markdown, (p) => ({ title, text: p }), MAX_PARAM_BYTES - 200)
    : splitForParam(msg.text, (p) => ({ content: p }), MAX_PARAM_BYTES - 200);
  return {
    msgKey: markdown ? 'sampleMarkdown' : 'sampleText',
    msgParams: pieces.map((piece) => JSON.stringify(markdown ? { title, text: piece } : { content: piece })),
  };
}

/**
 * `msg` for a send that cannot @ anyone (`groupMessages/send` has no `at`): the mentioned members' roster names
 * written after the text (`@张三 @李四`, markdown likewise), a name the text already has left out. Ids without a
 * name in `mentionNames` are left out too — a raw staff id is never written in text a person reads. `mentions` is
 * dropped (nobody is notified; the names only show who is meant).
 */
export function withMentionNames(msg: OutboundMessage): OutboundMessage {
  const names = [...new Set((msg.mentions ?? []).map((id) => msg.mentionNames?.[id]).filter((n): n is string => !!n))];
  const { mentions: _mentions, mentionNames: _names, ...rest } = msg;
  const tailOf = (body: string) => names.filter((n) => !body.includes(`@${n}`)).map((n) => `@${n}`).join(' ');
  const text = tailOf(msg.text);
  const out: OutboundMessage = { ...rest, text: text ? `${msg.text}\n${text}` : msg.text };
  if (msg.markdown) {
    const md = tailOf(msg.markdown);
    out.markdown = md ? `${msg.markdown}\n\n${md}` : msg.markdown;
  }
  return out;
}
