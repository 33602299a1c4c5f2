// Which migration files exist, which to run and how: decisions only, no I/O
// (migrate.ts reads the files and talks to PostgreSQL).

import { backoffPresets, doublingDelay } from '../backoff.ts';
export interface MigrationFile {
  /** 11 for 0011_runtime_roles.sql. */
  number: number;
  /** File name without `.sql`, as recorded in the migrations table. */
  name: string;
  upFile: string;
  /** `<name>.down.sql`, when there is one. */
  downFile: string | undefined;
}

const upPattern = /^(\d{4})_[a-z0-9_]+\.sql$/;
const downSuffix = '.down.sql';

/** Migration files of a directory listing, in order; other files are ignored. */
export function migrationFiles(fileNames: readonly string[]): MigrationFile[] {
  const names = new Set(fileNames);
  const files: MigrationFile[] = [];
  for (const fileName of [...fileNames].sort()) {
    if (fileName.endsWith(downSuffix)) {
      const upFile = `${fileName.slice(0, -downSuffix.length)}.sql`;
      if (!names.has(upFile)) throw new Error(`migrations: ${fileName} has no up migration ${upFile}`);
      continue;
    }
    const match = upPattern.exec(fileName);
    if (!match) continue;
    const name = fileName.slice(0, -'.sql'.length);
    const number = Number(match[1]);
    const previous = files.at(-1);
    if (previous?.number === number)
      throw new Error(`migrations: ${previous.upFile} and ${fileName} share the number ${match[1]}`);
    const downFile = `${name}${downSuffix}`;
    files.push({ number, name, upFile: fileName, downFile: names.has(downFile) ? downFile : undefined });
  }
  return files;
}

/** Pending migrations, after checking that the applied ones are a prefix of the files. */
export function planUp(files: readonly MigrationFile[], applied: readonly string[]): MigrationFile[] {
  applied.forEach((name, i) => {
    const expected = files[i];
    if (expected === undefined)
      throw new Error(`migrations: ${name} is applied but has no file here (is this an older release?)`);
    if (expected.name !== name)
      throw new Error(`migrations: applied ${name} where ${expected.name} was expected: order differs`);
  });
  return files.slice(applied.length);
}

/**
 * Applied migrations numbered above `to`, newest first. Refuses before
 * anything runs when one of them has no down file.
 */
export function planDown(
  files: readonly MigrationFile[],
  applied: readonly string[],
  to: number,
): MigrationFile[] {
  planUp(files, applied);
  const undo = files
    .slice(0, applied.length)
    .filter((f) => f.number > to)
    .reverse();
  const missing = undo.filter((f) => f.downFile === undefined).map((f) => `${f.name}.down.sql`);
  if (missing.length > 0)
    throw new Error(`migrations: cannot go down to ${to}: no down migration ${missing.join(', ')}`);
  return undo;
}

/**
 * node-pg-migrate, which ran these files before, read a `-- Down Migration`
 * section inside the up file; this runner would run it as part of the up.
 */
export function refuseInlineDown(file: string, sql: string): void {
  if (/^-- Down Migration/m.test(sql))
    throw new Error(
      `migrations: ${file} has a "-- Down Migration" section: move it to ${file.replace(/\.sql$/, '.down.sql')}`,
    );
}

export const noTransactionMarker = '-- migrate: no-transaction';

/**
 * Whether a migration runs in one transaction (the default) or statement by
 * statement, which CREATE INDEX CONCURRENTLY needs. The marker is the first
 * line of the file.
 */
export function runsInTransaction(sql: string): boolean {
  return sql.split('\n', 1)[0]?.trim() !== noTransactionMarker;
}

/**
 * Statements of a migration run outside a transaction: split on `;` outside
 * comments, quoted strings and identifiers, and dollar-quoted bodies. Each
 * is sent alone because PostgreSQL runs a multi-statement query in one
 * implicit transaction.
 */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let i = 0;
  while (i < sql.length) {
    const rest = sql.slice(i);
    if (rest.startsWith('--')) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (rest.startsWith('/*')) {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else if (rest[0] === "'" || rest[0] === '"') {
      const quote = rest[0];
      let j = i + 1;
      // A doubled quote is an escaped quote: skipping both keeps the scan inside.
      while (j < sql.length && !(sql[j] === quote && sql[j + 1] !== quote)) j += sql[j] === quote ? 2 : 1;
      i = j + 1;
    } else if (/^\$[A-Za-z_]*\$/.test(rest)) {
      const tag = /^\$[A-Za-z_]*\$/.exec(rest)?.[0] ?? '$$';
      const end = sql.indexOf(tag, i + tag.length);
      i = end === -1 ? sql.length : end + tag.length;
    } else if (rest[0] === ';') {
      statements.push(sql.slice(start, i));
      i += 1;
      start = i;
    } else {
      i += 1;
    }
  }
  statements.push(sql.slice(start));
  return statements.filter((s) => !isBlank(s)).map((s) => s.trim());
}

function isBlank(statement: string): boolean {
  return (
    statement
      .split('\n')
      .map((line) => line.replace(/--.*$/, '').trim())
      .join('') === ''
  );
}

/**
 * SQLSTATEs after which a migration is rolled back and tried again: a lock
 * wait cut short by lock_timeout, and a deadlock (a migration that takes a
 * weaker lock on games before a stronger one can deadlock with a writer
 * that does the same; PostgreSQL picks one of the two to fail).
 */
export const retryableLockErrors: ReadonlySet<string> = new Set(['55P03', '40P01']);

/**
 * Pause before attempt `attempt` (2, 3, …) of a migration that hit
 * lock_timeout: doubling from 1 s, capped at 15 s, so a long transaction on
 * `games` gets room to finish while its writers are never blocked for more
 * than lock_timeout at a time.
 */
export function lockRetryDelayMs(attempt: number): number {
  return doublingDelay(attempt - 1, backoffPresets.migrationLock);
}

/** Wrong command-line arguments: the CLI prints the message alone, without a stack. */
export class MigrateUsageError extends Error {
  override name = 'MigrateUsageError';
}

/** `npm run migrate -- [up | down --to <n>]`. */
export type MigrateCommand = { direction: 'up' } | { direction: 'down'; to: number };

export function parseMigrateArgs(args: readonly string[]): MigrateCommand {
  if (args.length === 0 || (args.length === 1 && args[0] === 'up')) return { direction: 'up' };
  const [command, flag, value] = args;
  if (
    command === 'down' &&
    flag === '--to' &&
    value !== undefined &&
    args.length === 3 &&
    /^\d+$/.test(value)
  )
    return { direction: 'down', to: Number(value) };
  throw new MigrateUsageError(
    `unknown arguments: ${args.join(' ')}\nusage: migrate [up]            apply pending migrations\n       migrate down --to <n>   undo the migrations numbered above n (e.g. --to 11)`,
  );
}
