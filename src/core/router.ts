/**
 * Text → command. Normalises full-width slashes, colons and spaces, matches the longest command word,
 * and reads any other message with the acknowledgement classifier (ack-classifier.ts): an acknowledgement
 * (收到, 5号令已收到 …), "I did not get it" (没收到, 再发一遍), "which one?" (是哪个令), or chatter.
 */
import type { CommandDef } from './command.js';
import { understand, type AckHints } from './ack-classifier.js';
import { refText } from './ack-refs.js';

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

/** Whether `text` alone acknowledges the newest open item (`收到！`, `OK`, `收到，马上落实`); see {@link understand}. */
export function isPlainAck(text: string): boolean {
  const u = understand(text);
  return u.kind === 'ack' && !u.ref;
}

export type Route<C extends CommandDef<any> = CommandDef<any>> =
  /** `args`: the text after the command word, width-folded; `rawArgs`: the same as typed (see {@link clean}). */
  | { kind: 'command'; command: C; word: string; args: string; rawArgs: string }
  /** An acknowledgement in plain words; `ref`: the item it names, as `/收到` reads it (`令第5号`), if any. */
  | { kind: 'plain-ack'; words: string; ref?: string }
  /** "I did not get it": post the open items (or the named one) again. */
  | { kind: 'resend'; ref?: string }
  /** "Which one?": list the open items. */
  | { kind: 'which' }
  | { kind: 'unknown-command'; word: string }
  /** Anything else; `mentionsAck` when it has an acknowledgement word in it (收到没, 大家回复收到). */
  | { kind: 'chatter'; mentionsAck?: boolean };

/**
 * Builds a router over `commands`; the returned function maps a message text to a {@link Route}. `hints`:
 * the names of the sender and its units, which a plain acknowledgement may carry (`李家村2网格张三收到`).
 */
export function createRouter<C extends CommandDef<any>>(commands: readonly C[]): (text: string, hints?: AckHints) => Route<C> {
  const table = commands
    .flatMap((command) => command.words.map((word) => ({ word: word.toLowerCase(), command })))
    .sort((a, b) => b.word.length - a.word.length);
  return (raw, hints) => {
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
    const help = commands.find((c) => c.name === 'help');
    if (help && /^(帮助|help|\?|？)$/i.test(text)) return { kind: 'command', command: help, word: text, args: '', rawArgs: '' };
    const u = understand(text, hints);
    switch (u.kind) {
      case 'ack':
        return u.ref ? { kind: 'plain-ack', words: text, ref: refText(u.ref) } : { kind: 'plain-ack', words: text };
      case 'resend':
        return u.ref ? { kind: 'resend', ref: refText(u.ref) } : { kind: 'resend' };
      case 'which':
        return { kind: 'which' };
      default:
        return { kind: 'chatter', mentionsAck: u.mentionsAck };
    }
  };
}
