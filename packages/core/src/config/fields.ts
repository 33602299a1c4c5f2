import { z } from 'zod';
import { databaseTlsProblem } from '../db/databaseTls.ts';

/** An integer read from the environment; malformed values are errors, never defaults. */
export function intField(options: { min: number; max: number; default: number }) {
  return z
    .string()
    .regex(/^-?\d+$/, 'must be an integer')
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(options.min, `must be at least ${options.min}`)
        .max(options.max, `must be at most ${options.max}`),
    )
    .default(options.default);
}

export function portField(defaultPort: number) {
  return intField({ min: 0, max: 65535, default: defaultPort });
}

function hasProtocol(value: string, protocols: readonly string[]): boolean {
  try {
    return protocols.includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** A URL whose scheme is one of `protocols` (e.g. `postgres:`). */
export function urlField(protocols: readonly string[]) {
  return z
    .string()
    .refine(
      (value) => hasProtocol(value, protocols),
      `must be a URL starting with ${protocols.join(' or ')}//`,
    );
}

/** A comma-separated list whose every item passes `valid`; blanks around items are ignored. */
export function listField(
  valid: (item: string) => boolean,
  message: string,
  options: { allowEmpty?: boolean } = {},
) {
  return z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== ''),
    )
    .refine((items) => (options.allowEmpty === true || items.length > 0) && items.every(valid), message);
}

/** Comma-separated list of URLs, e.g. several Redis nodes for a Redlock quorum. */
export function urlListField(protocols: readonly string[]) {
  return listField(
    (url) => hasProtocol(url, protocols),
    `must be a comma-separated list of URLs starting with ${protocols.join(' or ')}//`,
  );
}

/** Bearer tokens of the ingest API: 16 to 256 printable ASCII characters each. */
export const tokenListField = listField(
  (token) => /^[\x21-\x7e]{16,256}$/.test(token),
  'must be a comma-separated list of tokens of 16 to 256 printable characters',
);

/** A PostgreSQL URL whose TLS parameters (sslmode, sslrootcert) are ones we honour; see db/databaseTls.ts. */
export const databaseUrlField = urlField(['postgres:', 'postgresql:']).superRefine((value, ctx) => {
  const problem = databaseTlsProblem(value);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

/** A CA bundle (PEM) mounted into the container: an absolute path, read when connections open. */
export const caFileField = z.string().regex(/^\/[^\0]*$/, 'must be an absolute path to a PEM file');
