/**
 * Text → command. Normalises full-width slashes, colons and spaces, matches the longest command word,
 * and recognises a plain acknowledgement word (收到, 已收到, 收悉, 明白, 好的收到, ok …).
 */
import type { CommandDef } from './command.js';

/** Plain words that acknowledge the latest open directive or notice (compared after {@link ackKey}). */
export const ACK_WORDS = [
  '收到', '已收到', '收悉', '已收悉', '明白', '好的收到', '收到了', '好的', '好', '已阅', '知悉', '已知悉', '了解',
  '收到明白', '明白收到', '收到收到', 'ok', 'okay', 'roger', 'received', 'ack', '1', '👌', '👍',
];

/**
 * Drops what only garbles a message: control characters (but tab and line breaks), bidirectional
 * overrides, and a leading @-mention of the bot; trims. Keeps every other character as typed.
 */
export function clean(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g, '')
    .replace(/^\s*@\S+\s+/, '')
    .trim();
}

/**
 * Folds the full-width forms people type on phones, one character for one (so offsets stay the same):
 * ／ → /, ： → :, full-width digits and Latin letters, ideographic space → space.
 */
export function foldWidth(text: string): string {
  return text
    .replace(/[\uFF01-\uFF5E]/g, (c) => (c === '：' || c === '／' || /[０-９Ａ-Ｚａ-ｚ]/.test(c) ? String.fromCharCode(c.charCodeAt(0) - 0xfee0) : c))
    .replace(/\u3000/g, ' ');
}

/** {@link clean} then {@link foldWidth}: the text as commands and acknowledgements are matched. */
export function normalise(text: string): string {
  return foldWidth(clean(text));
}

/** The comparable key of a plain acknowledgement: lower case, no punctuation, spaces or emoji variation. */
export function ackKey(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\s!！。.，,~～、…\-—:：;；?？"'“”‘’\ufe0f]/g, '');
}

const ACK_SET = new Set(ACK_WORDS.map(ackKey));

/** Words that acknowledge even with a short remark after them: `收到，马上落实`. */
const ACK_PREFIXES = ['好的收到', '已收到', '收到', '收悉', '明白', '已阅', '知悉', 'ok'];

/**
 * Whether `text` acknowledges: only an acknowledgement word (`收到！`, `OK`), or one of
 * {@link ACK_PREFIXES} followed by punctuation and a short remark (at most 30 characters in all).
 */
export function isPlainAck(text: string): boolean {
  const key = ackKey(text);
  if (key.length > 0 && ACK_SET.has(key)) return true;
  const t = text.trim().toLowerCase();
  if (t.length > 30) return false;
  return ACK_PREFIXES.some((w) => t.startsWith(w) && /^[\s,，。.!！~～、;；]/.test(t.slice(w.length)));
}

export type Route<C extends CommandDef<any> = CommandDef<any>> =
  /** `args`: the text after the command word, width-folded; `rawArgs`: the same as typed (see {@link clean}). */
  | { kind: 'command'; command: C; word: string; args: string; rawArgs: string }
  | { kind: 'plain-ack'; words: string }
  | { kind: 'unknown-command'; word: string }
  | { kind: 'chatter' };

/** Builds a router over `commands`; the returned function maps a message text to a {@link Route}. */
export function createRouter<C extends CommandDef<any>>(commands: readonly C[]): (text: string) => Route<C> {
  const table = commands
    .flatMap((command) => command.words.map((word) => ({ word: word.toLowerCase(), command })))
    .sort((a, b) => b.word.length - a.word.length);
  return (raw) => {
    const cleaned = clean(raw);
    const text = foldWidth(cleaned);
    if (text.startsWith('/')) {
      const lower = text.toLowerCase();
      for (const { word, command } of table) {
        if (!lower.startsWith(word)) continue;
        const next = text.charAt(word.length);
        // an ASCII word needs a boundary (/ack vs /acknowledge); a Chinese one may run into its text
        if (/[a-z]$/.test(word) && /[a-z0-9]/i.test(next)) continue;
        return { kind: 'command', command, word: text.slice(0, word.length), args: text.slice(word.length).trim(), rawArgs: cleaned.slice(word.length).trim() };
      }
      return { kind: 'unknown-command', word: text.split(/\s/)[0]! };
    }
    if (isPlainAck(text)) return { kind: 'plain-ack', words: text };
    const help = commands.find((c) => c.name === 'help');
    if (help && /^(帮助|help|\?|？)$/i.test(text)) return { kind: 'command', command: help, word: text, args: '', rawArgs: '' };
    return { kind: 'chatter' };
  };
}
