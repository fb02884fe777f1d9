/**
 * PostgreSQL ends a connection under us (a restart, a failover, a DBA's pg_terminate_backend, a dropped database)
 * while a transaction holds it between two queries: the transaction fails with the driver's error, the process does
 * not crash on an uncaught 'error' event, and the next query runs on a new connection.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { closeDb, openDb, storeOf, writeTx } from '../../src/db/client.js';
import { dropTestDatabase, testDatabaseUrl } from '../helpers/app.js';

const dir = mkdtempSync(join(tmpdir(), 'gridrelay-pg-loss-'));
afterAll(() => {
  dropTestDatabase(dir);
  rmSync(dir, { recursive: true, force: true });
});

describe('a PostgreSQL connection terminated in the middle of a transaction', () => {
  it('fails that transaction, crashes nothing, and the next query reconnects', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    const url = testDatabaseUrl(dir);
    const db = await openDb(url);
    const admin = await openDb(url, { migrate: false });
    try {
      const store = storeOf(db);
      const failed = writeTx(db, async () => {
        const [me] = await store.rows<{ pid: number }>(sql`select pg_backend_pid() as pid`);
        // the server ends this connection while the transaction is between queries
        await storeOf(admin).rows(sql`select pg_terminate_backend(${me!.pid})`);
        await new Promise((r) => setTimeout(r, 300));
        await store.rows(sql`select 1 as ok`);
      });
      await expect(failed).rejects.toThrow();
      expect(uncaught).toEqual([]);
      expect(await store.rows<{ ok: number }>(sql`select 1 as ok`)).toEqual([{ ok: 1 }]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await closeDb(admin);
      await closeDb(db);
    }
  });
});
