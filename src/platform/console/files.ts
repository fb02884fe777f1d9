/**
 * Pictures through the console API (PRODUCT.md §3): the `attachments` of `POST /console/v1/inbound`
 * checked ({@link readAttachments}), stored in `console_files` and handed to the core as
 * `{kind: 'picture', ref: 'console-file:<id>'}`; `GET /console/v1/files/<id>` serves the bytes back.
 *
 * An attachment is `{kind?: 'image', name, contentType, dataBase64}`: PNG, JPEG, GIF or WebP — the content
 * type and the file's first bytes must agree —, at most {@link ATTACHMENT_MAX_BYTES} decoded, at most
 * {@link MAX_ATTACHMENTS} per message, `name` 1–200 printable characters. Refusals: 413
 * `attachment_too_large`, 415 `unsupported_attachment`, 400 `bad_attachment`.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Attachment } from '../../core/message.js';
import type { Db } from '../../db/client.js';
import { describeConsoleFiles, getConsoleFile, insertConsoleFiles, type NewConsoleFile } from '../../db/queries/console.js';
import type { ConsoleAttachment } from '../../db/schema/index.js';
import type { requireToken } from '../../http/access.js';
import { HttpError, identifier, querySchema, readInput } from '../../http/validate.js';
import { z } from 'zod';

/** Largest picture accepted, decoded (bytes): 5 MB. Larger → 413 `attachment_too_large`. */
export const ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024;
/** Most pictures in one message; more → 400 `bad_attachment`. */
export const MAX_ATTACHMENTS = 9;
/** Longest `name` (characters). */
export const ATTACHMENT_NAME_MAX = 200;
/** Longest `dataBase64` of a picture within {@link ATTACHMENT_MAX_BYTES} (characters, padded base64). */
export const ATTACHMENT_BASE64_MAX = Math.ceil(ATTACHMENT_MAX_BYTES / 3) * 4;
/** The prefix of an {@link Attachment} `ref` that names a picture in `console_files`. */
export const FILE_REF = 'console-file:';

/** The picture types accepted, by content type, with how their files begin. */
const TYPES: Record<string, (b: Buffer) => boolean> = {
  'image/png': (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/jpeg': (b) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/gif': (b) => /^GIF8[79]a$/.test(b.subarray(0, 6).toString('latin1')),
  'image/webp': (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
};

/** Characters a file name may not hold: controls, format characters, lone surrogates, unassigned. */
const NOT_PRINTABLE = /\p{C}/u;
/** Standard base64 characters (RFC 4648 §4) and its padding; with a length divisible by 4 it is padded base64. */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const FIELDS = new Set(['kind', 'name', 'contentType', 'dataBase64']);

/** A checked picture, ready to store. */
export interface CheckedPicture {
  name: string;
  /** Lower case, without parameters: `image/png`, `image/jpeg`, `image/gif` or `image/webp`. */
  contentType: string;
  data: Buffer;
}

const bad = (reason: string) => new HttpError(400, 'bad_attachment', reason);
const unsupported = (reason: string) => new HttpError(415, 'unsupported_attachment', reason);

/**
 * Checks the `attachments` of an inbound body (undefined → none). Pure.
 * @returns the pictures, decoded, in order
 * @throws HttpError 400 `bad_attachment` (not a list, more than {@link MAX_ATTACHMENTS}, not an object, an
 *   unknown field, a name that is not 1–200 printable characters, data that is not base64 or is empty),
 *   415 `unsupported_attachment` (a kind other than `image`; a content type other than PNG, JPEG, GIF, WebP;
 *   bytes that are not a picture of that type), 413 `attachment_too_large` (over {@link ATTACHMENT_MAX_BYTES})
 */
export function readAttachments(raw: unknown): CheckedPicture[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw bad('attachments must be a list');
  if (raw.length > MAX_ATTACHMENTS) throw bad(`at most ${MAX_ATTACHMENTS} attachments per message (got ${raw.length})`);
  return raw.map((a, i) => readOne(a, `attachments.${i}`));
}

function readOne(a: unknown, at: string): CheckedPicture {
  if (typeof a !== 'object' || a === null || Array.isArray(a)) throw bad(`${at} must be an object {name, contentType, dataBase64}`);
  const o = a as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !FIELDS.has(k));
  if (unknown.length) throw bad(`${at}: unknown field ${unknown.map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}`);
  if (o.kind !== undefined && o.kind !== 'image') throw unsupported(`${at}.kind: only images are accepted (kind "image")`);
  const { name, contentType, dataBase64 } = o;
  if (typeof name !== 'string' || name.length < 1 || name.length > ATTACHMENT_NAME_MAX || NOT_PRINTABLE.test(name)) {
    throw bad(`${at}.name must be 1–${ATTACHMENT_NAME_MAX} printable characters`);
  }
  if (typeof contentType !== 'string') throw bad(`${at}.contentType is required (image/png, image/jpeg, image/gif or image/webp)`);
  const type = contentType.split(';')[0]!.trim().toLowerCase().replace(/^image\/jpg$/, 'image/jpeg');
  const isType = TYPES[type];
  if (!isType) throw unsupported(`${at}.contentType ${JSON.stringify(contentType.slice(0, 60))} is not accepted: images only (image/png, image/jpeg, image/gif, image/webp)`);
  if (typeof dataBase64 !== 'string' || dataBase64.length === 0) throw bad(`${at}.dataBase64 is required (the file, base64)`);
  if (dataBase64.length > ATTACHMENT_BASE64_MAX) throw tooLarge(at, Math.floor((dataBase64.length * 3) / 4));
  if (dataBase64.length % 4 !== 0 || !BASE64.test(dataBase64)) throw bad(`${at}.dataBase64 is not valid base64`);
  const data = Buffer.from(dataBase64, 'base64');
  if (data.length > ATTACHMENT_MAX_BYTES) throw tooLarge(at, data.length);
  if (!isType(data)) throw unsupported(`${at}: the file is not a ${type.slice(6).toUpperCase()} picture (its bytes do not match its contentType)`);
  return { name, contentType: type, data };
}

function tooLarge(at: string, bytes: number): HttpError {
  return new HttpError(413, 'attachment_too_large', `${at} is ${(bytes / 1024 / 1024).toFixed(1)} MB; at most ${ATTACHMENT_MAX_BYTES / 1024 / 1024} MB per picture`);
}

/** The chat's record of pictures just stored (`console_messages.attachments` of the person's row): `fileIds` in the order of `pictures`. Pure. */
export const asConsoleAttachments = (pictures: readonly CheckedPicture[], fileIds: readonly string[]): ConsoleAttachment[] =>
  pictures.map((p, i) => ({ fileId: fileIds[i]!, name: p.name, contentType: p.contentType }));

/** The core's attachment of a stored picture. */
export const fileRef = (id: string): Attachment => ({ kind: 'picture', ref: `${FILE_REF}${id}` });

/** The `console_files` id an attachment names, or null for another platform's reference. */
export function fileIdOf(a: Attachment): string | null {
  return a.ref.startsWith(FILE_REF) ? a.ref.slice(FILE_REF.length) : null;
}

/** Where a stored picture is served. */
export const fileUrl = (fileId: string) => `/console/v1/files/${encodeURIComponent(fileId)}`;

/** Where the console keeps its pictures (index.ts: the database's `console_files`). */
export interface ConsoleFiles {
  /**
   * Stores the pictures, all or none (inside a transaction: in it), under `ids` when given (one per picture, made up
   * by the caller so a message can name them before they are stored), else new UUIDs. @returns their ids, in order
   */
  store(pictures: readonly CheckedPicture[], ids?: readonly string[]): Promise<string[]>;
  /** Names and content types of the stored pictures among `ids`, in order (unknown ids left out). */
  describe(ids: readonly string[]): Promise<ConsoleAttachment[]>;
  /** One picture with its bytes, or undefined. */
  get(id: string): Promise<{ name: string; contentType: string; data: Buffer } | undefined>;
}

/** The console's pictures in the database; `now`: the clock stamping `created_at`. */
export function consoleFiles(db: Db, now: () => Date = () => new Date()): ConsoleFiles {
  return {
    async store(pictures, ids) {
      const files: NewConsoleFile[] = pictures.map((p, i) => ({ id: ids?.[i] ?? randomUUID(), name: p.name, contentType: p.contentType, data: p.data }));
      await insertConsoleFiles(db, files, now());
      return files.map((f) => f.id);
    },
    describe: async (ids) => await describeConsoleFiles(db, ids),
    get: async (id) => await getConsoleFile(db, id),
  };
}

/**
 * The console attachments of an outbound message: its `console-file:` pictures with their names and
 * content types (other platforms' references, and files no longer stored, are left out).
 */
export async function consoleAttachmentsOf(files: Pick<ConsoleFiles, 'describe'>, attachments: readonly Attachment[] | undefined): Promise<ConsoleAttachment[]> {
  const ids = (attachments ?? []).map(fileIdOf).filter((id): id is string => id !== null);
  return ids.length ? await files.describe(ids) : [];
}

const fileParams = z.strictObject({ id: identifier('id') });
const fileQuery = querySchema({});

/**
 * Registers `GET /console/v1/files/:id` (guarded like the other console routes): the picture's bytes with its
 * content type, `nosniff` and a long private cache (a file never changes); 404 `unknown_file`.
 */
export function registerFiles(http: FastifyInstance, deps: { onRequest: Awaited<ReturnType<typeof requireToken>>[]; files: ConsoleFiles }): void {
  http.get('/console/v1/files/:id', { onRequest: deps.onRequest }, async (req, reply) => {
    readInput(fileQuery, req.query, 'query');
    const { id } = readInput(fileParams, req.params, 'query');
    const file = await deps.files.get(id);
    if (!file) throw new HttpError(404, 'unknown_file', `no file ${JSON.stringify(id.slice(0, 60))}`);
    return reply
      .header('content-type', file.contentType)
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; sandbox")
      .header('cache-control', 'private, max-age=31536000, immutable')
      .header('content-disposition', `inline; filename*=UTF-8''${encodeURIComponent(file.name)}`)
      .send(file.data);
  });
}
