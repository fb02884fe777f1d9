/**
 * Read receipts: `POST /v1.0/robot/groupMessages/query` `{processQueryKey, openConversationId,
 * robotCode, maxResults, nextToken?}` → `{readUserIds, hasMore, nextToken}`, followed page by page.
 * Only readers are listed; unread = the unit's roster minus readers (the caller's business).
 */
import type { ReadReceipt, SentMessage } from '../port.js';
import type { OpenApiClient } from './api.js';

interface QueryPage {
  readUserIds?: string[];
  hasMore?: boolean;
  nextToken?: string;
}

/** Pages per query at most (200 readers each), a guard against a server that never says `hasMore: false`. */
const MAX_PAGES = 50;

/**
 * Everyone who has read `sent` (every part, when the send was split), deduplicated.
 * @throws PlatformError like a send (retry / throttled / permanent)
 */
export async function readReceipts(api: OpenApiClient, robotCode: string, sent: SentMessage): Promise<ReadReceipt[]> {
  const readers = new Set<string>();
  // a card (`card:<outTrackId>`) has no processQueryKey: its readers are not known
  for (const key of sent.platformRef.split(',').filter((k) => k && k !== 'webhook' && !k.startsWith('card'))) {
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const res = await api.call<QueryPage>('/v1.0/robot/groupMessages/query', {
        processQueryKey: key,
        openConversationId: sent.conversationId,
        robotCode,
        maxResults: 200,
        ...(nextToken ? { nextToken } : {}),
      });
      for (const id of res.readUserIds ?? []) readers.add(id);
      if (!res.hasMore || !res.nextToken) break;
      nextToken = res.nextToken;
    }
  }
  return [...readers].map((memberId) => ({ memberId }));
}
