import { defineConfig } from 'drizzle-kit';

/** SQLite migrations (`npm run db:generate` runs this and drizzle.pg.config.ts). */
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema/sqlite/index.ts',
  out: './migrations/sqlite',
});
