// `npm run migrate`: applies pending migrations to DATABASE_URL.
/* eslint-disable no-console -- a command-line entry point prints its result */
import { loadConfig } from '../config/loadConfig.ts';
import { caFileField, databaseUrlField } from '../config/fields.ts';
import { ConfigError } from '../errors.ts';
import { withDatabaseCaFile } from './databaseTls.ts';
import { migrateUp } from './migrate.ts';

try {
  const config = loadConfig(process.env, {
    DATABASE_URL: databaseUrlField,
    DATABASE_CA_FILE: caFileField.optional(),
  });
  const applied = await migrateUp({
    databaseUrl: withDatabaseCaFile(config.DATABASE_URL, config.DATABASE_CA_FILE),
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
