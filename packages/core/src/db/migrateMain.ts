// `npm run migrate [-- up | -- down --to <n>]`: applies pending migrations to
// DATABASE_URL, or undoes those numbered above n.
/* eslint-disable no-console -- a command-line entry point prints its result */
import { loadConfig } from '../config/loadConfig.ts';
import { caFileField, databaseUrlField } from '../config/fields.ts';
import { ConfigError } from '../errors.ts';
import { withDatabaseCaFile } from './databaseTls.ts';
import { migrateDown, migrateUp } from './migrate.ts';
import { MigrateUsageError, parseMigrateArgs } from './migrationPlan.ts';

try {
  const command = parseMigrateArgs(process.argv.slice(2));
  const config = loadConfig(process.env, {
    DATABASE_URL: databaseUrlField,
    DATABASE_CA_FILE: caFileField.optional(),
  });
  const options = {
    databaseUrl: withDatabaseCaFile(config.DATABASE_URL, config.DATABASE_CA_FILE),
    onLine: (line: string) => {
      console.log(line);
    },
  };
  if (command.direction === 'up') {
    const applied = await migrateUp(options);
    console.log(
      applied.length === 0 ? 'migrate: database is up to date' : `migrate: applied ${applied.join(', ')}`,
    );
  } else {
    const undone = await migrateDown({ ...options, to: command.to });
    console.log(
      undone.length === 0
        ? `migrate: nothing above ${command.to} is applied`
        : `migrate: undid ${undone.join(', ')}; migrations up to ${command.to} stay applied`,
    );
  }
} catch (err) {
  console.error(
    err instanceof ConfigError || err instanceof MigrateUsageError ? `migrate: ${err.message}` : err,
  );
  process.exitCode = 1;
}
