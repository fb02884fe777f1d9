/**
 * What the console API accepts (src/http/validate.ts does the checking): the body of
 * `POST /console/v1/inbound` — ids of 1–128 printable characters, `text` of at most 4,000 characters
 * without control characters or broken unicode, an optional `quotedSeq` (a quoted reply), optional
 * `attachments` (pictures, checked by files.ts) — the query strings of every route (no unknown parameters;
 * `after` a non-negative integer) and the body of `POST /console/v1/press`.
 */
import { z } from 'zod';
import { identifier, nonNegativeInt, querySchema } from '../../http/validate.js';
import { ATTACHMENT_BASE64_MAX, ATTACHMENT_NAME_MAX, MAX_ATTACHMENTS } from './files.js';

/** Longest `text` accepted (characters); longer → 413 `text_too_long`. */
export const CONSOLE_TEXT_MAX = 4000;
/**
 * Longest request body accepted (bytes); longer → 413 `body_too_large`: 64 KB for the text and ids, plus
 * {@link MAX_ATTACHMENTS} pictures of 5 MB in base64 with their names and content types (about 64 MB in all).
 */
export const BODY_LIMIT = 64 * 1024 + MAX_ATTACHMENTS * (ATTACHMENT_BASE64_MAX + 4 * ATTACHMENT_NAME_MAX + 1024);

/** Control characters a chat text may not hold (tab, newline and carriage return are fine), and lone surrogates. */
const BAD_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]|\p{Cs}/u;

/** The body of `POST /console/v1/inbound`. */
export const inboundBody = z.strictObject({
  conversationId: identifier('conversationId'),
  senderId: identifier('senderId'),
  text: z
    .string({ error: (iss) => (iss.input === undefined ? 'text is required' : 'text must be a string') })
    .max(CONSOLE_TEXT_MAX, `text is longer than ${CONSOLE_TEXT_MAX.toLocaleString('en')} characters`)
    .refine((t) => !BAD_TEXT.test(t), 'text holds control characters or broken unicode'),
  msgId: identifier('msgId').optional(),
  /** A quoted reply: the `seq` of the bot's message being quoted (e.g. the directive to acknowledge). */
  quotedSeq: z
    .number({ error: 'quotedSeq must be a seq (a number) from /console/v1/outbound' })
    .int('quotedSeq must be a seq from /console/v1/outbound')
    .positive('quotedSeq must be a seq from /console/v1/outbound')
    .max(Number.MAX_SAFE_INTEGER)
    .optional(),
  /** Pictures `[{kind?: 'image', name, contentType, dataBase64}]`, checked by files.ts `readAttachments` (its own refusals). */
  attachments: z.unknown().optional(),
});

/** A checked inbound body. */
export type InboundBody = z.infer<typeof inboundBody>;

/** The query of `POST /console/v1/inbound`: nothing but an optional `token`. */
export const inboundQuery = querySchema({});

/** The query of `GET /console/v1/outbound`. */
export const outboundQuery = querySchema({
  conversationId: identifier('conversationId').optional(),
  after: nonNegativeInt('after').optional(),
});

/** A conversation id as a required query parameter. */
const conversationParam = { conversationId: identifier('conversationId') };

/** The query of `GET /console/v1/org` and `GET /console/v1/summary`: nothing but an optional `token`. */
export const emptyQuery = querySchema({});

/** The query of `GET /console/v1/members`. */
export const membersQuery = querySchema(conversationParam);

/** The query of `GET /console/v1/commands`. */
export const commandsQuery = querySchema({ ...conversationParam, senderId: identifier('senderId') });

/** The query of `GET /console/v1/chat`. */
export const chatQuery = querySchema({ ...conversationParam, after: nonNegativeInt('after').optional() });

/** The query of `GET /console/v1/events` (`Last-Event-ID` may stand in for `after`). */
export const eventsQuery = querySchema({ after: nonNegativeInt('after').optional() });

/** A `Last-Event-ID` header: the `seq` of the last event seen. */
export const lastEventId = nonNegativeInt('Last-Event-ID');

/** The body of `POST /console/v1/press`: pressing the button `label` of the bot's message `seq`, as `senderId`. */
export const pressBody = z.strictObject({
  conversationId: identifier('conversationId'),
  senderId: identifier('senderId'),
  seq: z
    .number({ error: 'seq must be a seq (a number) from /console/v1/chat' })
    .int('seq must be a seq from /console/v1/chat')
    .positive('seq must be a seq from /console/v1/chat')
    .max(Number.MAX_SAFE_INTEGER),
  label: z
    .string({ error: (iss) => (iss.input === undefined ? 'label is required' : 'label must be a string') })
    .min(1, 'label is required')
    .max(64, 'label is longer than 64 characters'),
  /** Optional, as on `POST /console/v1/inbound`: a repeated `msgId` is one press. */
  msgId: identifier('msgId').optional(),
});

/** A checked press body. */
export type PressBody = z.infer<typeof pressBody>;

/** The query of `POST /console/v1/press`: nothing but an optional `token`. */
export const pressQuery = querySchema({});
