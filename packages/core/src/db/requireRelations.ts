import type { Pool } from './pool.ts';

/**
 * Fails unless every relation exists: with 42P01 naming the first missing one
 * (classified `schema_missing`), so a start step waiting for migrations says
 * what it waits for instead of a loop failing later on every statement.
 */
export async function requireRelations(pool: Pool, relations: readonly string[]): Promise<undefined> {
  await pool.query('SELECT name::regclass FROM unnest($1::text[]) AS name', [relations]);
  return undefined;
}
