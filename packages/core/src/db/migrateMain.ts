// `npm run migrate`: applies pending migrations to DATABASE_URL.
/* eslint-disable no-console -- a command-line entry point prints its result */
import { loadConfig } from '../config/loadConfig.ts';
import { databaseUrlField } from '../config/fields.ts';
import { ConfigError } from '../errors.ts';
import { migrateUp } from './migrate.ts';

try {
  const config = loadConfig(process.env, { DATABASE_URL: databaseUrlField });
  const applied = await migrateUp({
    databaseUrl: config.DATABASE_URL,
    onLine: (line) => {
      console.log(line);
    },
  });
  console.log(
    applied.length === 0 ? 'migrate: database is up to date' : `migrate: applied ${applied.join(', ')}`,
  );
} catch (err) {
  console.error(err instanceof ConfigError ? `migrate: ${err.message}` : err);
  process.exitCode = 1;
}
