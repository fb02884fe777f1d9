/**
 * Understanding a plain (non-command) message the way a person in a grid group would: an acknowledgement
 * (`收到`, `嗯收到🌹`, `5号令已收到`, `李家村2网格收到，已转各户`, `遵照执行`, `👍🏻`), "I did not get it"
 * (`这边没收到`, `再发一遍`), "which one?" (`是哪个令`), or anything else. Negations, questions and
 * requests to others (`没收到`, `收到没`, `大家回复收到`, `收到的口罩不够`) are never acknowledgements.
 *
 * The words live in `ack-lexicon.txt` beside this file (read and compiled by ./ack-lexicon.ts), item
 * references are read by ./ack-refs.ts; this module holds the procedure: normalise (width, case, emoji,
 * `[xx]` codes, punctuation and spaces), look for the not-received, which-one and question signs, then read
 * the message as a sequence of known pieces — acknowledgement words, fillers, the unit's or person's own
 * name, one item reference — optionally followed by a remark. Pure and synchronous; never throws on any input.
 */
import { clean, readLexicon, Reader, type Lexicon, type LexiconSection } from './ack-lexicon.js';
import { firstRef, refAt, refText, seriesAt, type ItemRef } from './ack-refs.js';

/** What a plain message says, as far as acknowledgements go. */
export type Understanding =
  /** Acknowledges the named item, or (no `ref`) the newest item the unit still has to acknowledge. */
  | { kind: 'ack'; ref?: ItemRef }
  /** Did not get it: post the open items (or the named one) again in full. */
  | { kind: 'resend'; ref?: ItemRef }
  /** Asks which item is meant: list the open items. */
  | { kind: 'which' }
  /** Anything else. `mentionsAck`: it contains an acknowledgement word (`收到没`, `大家回复收到`). */
  | { kind: 'other'; mentionsAck: boolean };

/** What the caller knows about the sender, to take out of the message: names of the sender, its unit and the units above. */
export interface AckHints {
  /** E.g. `['覃雪', '周家坞村第1网格', '周家坞村', '清溪街道']`; names shorter than 2 characters are ignored. */
  names?: readonly string[];
}

const HAN = /\p{Script=Han}/u;
const SEP = /^[\s\p{P}\p{S}]$/u;

/** Longest text read as one acknowledgement (before a remark), and longest remark after it, in characters. */
const MAX_HEAD = 40;
const MAX_REMARK = 24;

type Piece = 'ack' | 'open-ack' | 'filler' | 'self' | 'ref' | 'ones' | 'sep';

/**
 * Builds a classifier over a lexicon (for tests of a lexicon other than the shipped one).
 * @returns a function with the contract of {@link understand}.
 */
export function createClassifier(lex: Lexicon): (text: string, hints?: AckHints) => Understanding {
  const reader = new Reader(lex);
  const ackEmoji = new Set(lex['ack-emoji']);
  const ackCodes = new Set(lex['ack-code']);
  const has = (compact: string, section: LexiconSection) => lex[section].some((w) => compact.includes(w));

  return (text, hints = {}) => {
    if (typeof text !== 'string' || text.length > 2000) return { kind: 'other', mentionsAck: false };
    let symbol = false;
    let t = text
      .normalize('NFKC')
      .toLowerCase()
      // DingTalk / WeChat codes: [OK], [抱拳], [送花花] (not [2026], a year)
      .replace(/\[([^[\]\s\d]{1,6})\]/gu, (_, name: string) => {
        if (ackCodes.has(name)) symbol = true;
        return '';
      })
      .replace(/\p{Extended_Pictographic}|\p{Emoji_Modifier}|\p{So}|\p{Cf}|\p{Cs}|\p{Co}|\p{M}|[\u20e3\ufe0f]/gu, (ch) => {
        if (ackEmoji.has(ch)) symbol = true;
        return '';
      })
      .replace(/[\p{Cc}\s]+/gu, ' ')
      .trim();
    // 收 到, 好的 收到: spaces between Chinese characters mean nothing
    t = t.replace(/(\p{Script=Han}) (?=\p{Script=Han})/gu, '$1');
    const compact = t.replace(/[\s\p{P}\p{S}]/gu, '');
    const question = t.includes('?');
    if (!compact) return symbol && !question ? { kind: 'ack' } : { kind: 'other', mentionsAck: false };
    const names = (hints.names ?? []).map(clean).filter((n) => n.length >= 2).sort((a, b) => b.length - a.length);

    if ((has(compact, 'not-received') || has(compact, 'resend')) && !has(compact, 'others')) {
      const ref = firstRef(t, names, reader);
      return ref ? { kind: 'resend', ref } : { kind: 'resend' };
    }
    if (has(compact, 'which')) return { kind: 'which' };
    const other = { kind: 'other', mentionsAck: reader.mentionsAck(compact) } as const;
    if (question || has(compact, 'question') || has(compact, 'prompt') || has(compact, 'not-understood') || has(compact, 'deferral') || lex['question-end'].some((w) => compact.endsWith(w))) return other;

    // the message read as known pieces, perhaps followed by a remark
    let prev: Piece | null = null;
    let seenAck = symbol;
    let remark = '';
    let headEnd = t.length;
    /** Where a remark could begin: after the first punctuation that follows an acknowledgement word. */
    let afterSep = -1;
    const refs: { ref: ItemRef; at: number }[] = [];
    const nameAt = (at: number) => names.find((n) => t.startsWith(n, at));
    /** What may follow an item reference or a bare number: the end, punctuation or another known piece. */
    const boundary = (at: number) =>
      at >= t.length || SEP.test(t[at]!) || !!reader.word(t, at) || !!nameAt(at) || reader.remarkStarts(t, at) || reader.numberedUnit(t, at) !== null;
    const take = (piece: Piece, end: number) => {
      prev = piece;
      return end;
    };
    for (let i = 0; i < t.length; ) {
      const ch = t[i]!;
      // a township's notice: 大坑乡通告1, 大坑通告1 (the sender's own township), 县通告1
      const sp = seriesAt(t, i, names);
      const sr = sp && refAt(t, sp.end);
      if (sp && sr && sr.ref.kind === 'notice' && !reader.notItem(t, sr.end) && boundary(sr.end)) {
        if (sr.conflict || sr.invalid) return other;
        refs.push({ ref: { ...sr.ref, series: sp.series }, at: i });
        i = take('ref', sr.end);
        continue;
      }
      // an item: 令5, 5号令, 第五号, 〔2026〕第5号, 通告 6
      const r = refAt(t, i);
      if (r && !reader.notItem(t, r.end) && boundary(r.end)) {
        if (r.conflict || r.invalid) return other;
        refs.push({ ref: r.ref, at: i });
        i = take('ref', r.end);
        continue;
      }
      if (SEP.test(ch)) {
        if (seenAck && afterSep < 0) afterSep = i + 1;
        i = take('sep', i + 1);
        continue;
      }
      // the unit by its number: 第2网格, 3组
      const numbered = reader.numberedUnit(t, i);
      if (numbered !== null) {
        i = take('self', numbered);
        continue;
      }
      if (/\d/.test(ch)) {
        const end = i + /^\d+/.exec(t.slice(i))![0].length;
        const digits = t.slice(i, end);
        // 1.5, 1,000, 1 4, -1: no item's number, and no acknowledgement either
        if (/^\s*[.,、·]\s*\d|^ \d/.test(t.slice(end)) || /[-+−±]\s*$/.test(t.slice(0, i))) return other;
        if (/^1+$/.test(digits)) {
          seenAck = true;
          i = take('ones', end);
          continue;
        }
        // a bare number right beside the acknowledgement word: 收到3, 3收到
        const next = reader.word(t, end);
        const besideAck = prev === 'ack' || prev === 'open-ack' || (next !== null && next.section !== 'filler' && next.section !== 'self');
        if (besideAck && digits.length <= 4 && boundary(end) && !reader.notItem(t, end) && !/^\s*:/.test(t.slice(end))) {
          refs.push({ ref: { number: Number(digits) }, at: i });
          i = take('ref', end);
          continue;
        }
      } else {
        const name = nameAt(i);
        const word = reader.word(t, i);
        if (name && (!word || name.length >= word.entry.length)) {
          i = take('self', i + name.length);
          continue;
        }
        if (word) {
          if (word.section === 'ack' || word.section === 'ack-with-object') seenAck = true;
          i = take(word.section === 'ack-with-object' ? 'open-ack' : word.section, i + word.entry.length);
          // 已转各户, 马上通知到户: what follows is what was done
          if (word.section === 'ack-with-object' && i < t.length && !SEP.test(t[i]!)) {
            remark = t.slice(i);
            headEnd = i;
            break;
          }
          continue;
        }
        const named = reader.namedUnit(t, i);
        if (named !== null) {
          i = take('self', named);
          continue;
        }
      }
      // something else: a remark after the acknowledgement (from the punctuation after it, if any), or no acknowledgement at all
      if (seenAck && (afterSep >= 0 || reader.remarkStarts(t, i))) {
        headEnd = afterSep >= 0 ? afterSep : i;
        remark = t.slice(headEnd);
        break;
      }
      return other;
    }
    if (!seenAck) return other;
    const named = refs.filter((r) => r.at < headEnd).map((r) => r.ref);
    if (new Set(named.map(refText)).size > 1) return other;
    if (t.slice(0, headEnd).replace(/[\s\p{P}\p{S}]/gu, '').length > MAX_HEAD) return other;
    if (remark) {
      const r = remark.replace(/[\s\p{P}\p{S}]/gu, '');
      if (r.length > MAX_REMARK || !HAN.test(r)) return other;
    }
    return named[0] ? { kind: 'ack', ref: named[0] } : { kind: 'ack' };
  };
}

let shipped: ((text: string, hints?: AckHints) => Understanding) | null = null;

/**
 * Reads a plain message (not a `/command`) with the shipped lexicon (`src/core/ack-lexicon.txt`, read once).
 * @param text the message as received (any width, emoji, codes, spaces)
 * @param hints names of the sender and its units, taken out of the message (`李家村2网格 张三 收到`)
 * @returns what it says; never throws.
 */
export function understand(text: string, hints?: AckHints): Understanding {
  shipped ??= createClassifier(readLexicon());
  return shipped(text, hints);
}
