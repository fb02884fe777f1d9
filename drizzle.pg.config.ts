import { defineConfig } from 'drizzle-kit';

/** PostgreSQL migrations (`npm run db:generate` runs this and drizzle.config.ts). */
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema/pg/index.ts',
  out: './migrations/pg',
});
