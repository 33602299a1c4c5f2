import { hash } from 'node:crypto';
import { z } from 'zod';
import { maxBatchEvents } from '../events/validateEvents.ts';
import {
  adminScopes,
  defaultClientScopes,
  defaultClientScopesWithGrants,
  parseScope,
  scopeSyntax,
  type Scope,
} from './scopes.ts';

/** Events per second a client may post, per replica; `burst` events at once at most. */
export interface RateLimit {
  eventsPerSecond: number;
  burst: number;
}

/** A caller of the API: a name for logs, metrics and idempotency keys, its tokens and its scopes. */
export interface ApiClient {
  name: string;
  /** SHA-256 (hex) of each token it may present: two or more during a rotation. */
  tokenHashes: readonly string[];
  scopes: readonly Scope[];
  /** Null: unlimited. */
  rateLimit: RateLimit | null;
}

export const clientsVariable = 'BROADCAST_API_CLIENTS';
/** The client of the plain BROADCAST_API_TOKENS list, and of BROADCAST_ADMIN_TOKENS. */
export const defaultClientName = 'default';
export const adminClientName = 'admin';

const hashedToken = /^sha256:[0-9a-f]{64}$/;
const plainToken = /^[\x21-\x7e]{16,256}$/;

/** SHA-256 of a token in hex, as `sha256:<hex>` in BROADCAST_API_CLIENTS (`printf %s "$TOKEN" | sha256sum`). */
export function tokenHash(token: string): string {
  return hash('sha256', token, 'hex');
}

/** A configured token as its hash: `sha256:<hex>` as given, plaintext hashed. */
function hashOfConfigured(token: string): string {
  return hashedToken.test(token) ? token.slice('sha256:'.length) : tokenHash(token);
}

/** At least one full batch must fit in the bucket, or such a batch could never pass. */
export function defaultBurst(eventsPerSecond: number): number {
  return Math.max(maxBatchEvents, eventsPerSecond);
}

/** A rate of 0 means unlimited. */
export function rateLimitOf(eventsPerSecond: number, burst: number | undefined): RateLimit | null {
  return eventsPerSecond === 0 ? null : { eventsPerSecond, burst: burst ?? defaultBurst(eventsPerSecond) };
}

// Messages name the rule, never the value: a token may sit in any field by mistake.
const clientSchema = z.strictObject({
  name: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9_.-]{0,63}$/,
      'must be 1-64 of a-z, 0-9, _ . - (starting with a letter or digit)',
    ),
  tokens: z
    .array(
      z
        .string()
        .refine(
          (t) => hashedToken.test(t) || (!t.startsWith('sha256:') && plainToken.test(t)),
          'must be sha256:<64 lower-case hex digits> or a plaintext token of 16 to 256 printable characters',
        ),
    )
    .min(1, 'needs at least one token')
    .max(10, 'at most 10 tokens'),
  scopes: z
    .array(z.string().refine((s) => parseScope(s) !== null, `must be one of ${scopeSyntax}`))
    .min(1, 'needs at least one scope'),
  rateLimit: z
    .strictObject({
      eventsPerSecond: z.int().min(0).max(1_000_000),
      burst: z
        .int()
        .min(maxBatchEvents, `must be at least ${maxBatchEvents} (one full batch)`)
        .max(10_000_000)
        .optional(),
    })
    .optional(),
});
const clientsSchema = z.array(clientSchema).min(1, 'must list at least one client');

type ClientSpec = z.output<typeof clientSchema>;

function pathOf(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
}

/** A JSON syntax error without the excerpt of the input that V8 puts in its message. */
function jsonProblem(err: unknown): string {
  const position = err instanceof Error ? /position (\d+)/.exec(err.message)?.[1] : undefined;
  return `${clientsVariable}: is not valid JSON${position === undefined ? '' : ` (at character ${position})`}`;
}

/** Zod's message, except that unknown keys are not named: a token pasted as a key would be printed. */
function messageOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys')
    return `has ${issue.keys.length === 1 ? 'an unknown field' : `${issue.keys.length} unknown fields`} (known: ${issue.path.length > 1 ? 'eventsPerSecond, burst' : 'name, tokens, scopes, rateLimit'})`;
  return issue.message;
}

/** Parses BROADCAST_API_CLIENTS (JSON); problems never quote the value. Pure. */
export function parseClientSpecs(json: string | undefined): { specs: ClientSpec[]; problems: string[] } {
  if (json === undefined) return { specs: [], problems: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    return { specs: [], problems: [jsonProblem(err)] };
  }
  const parsed = clientsSchema.safeParse(raw);
  if (!parsed.success)
    return {
      specs: [],
      problems: parsed.error.issues.map((i) => `${clientsVariable}${pathOf(i.path)}: ${messageOf(i)}`),
    };
  return { specs: parsed.data, problems: [] };
}

export interface ClientSources {
  /** BROADCAST_API_TOKENS: plaintext, one client `default` with every non-admin scope. */
  apiTokens: readonly string[];
  /** BROADCAST_ADMIN_TOKENS: plaintext, one client `admin` with the admin scope. */
  adminTokens: readonly string[];
  /** BROADCAST_API_CLIENTS, parsed. */
  specs: readonly ClientSpec[];
  /** BROADCAST_CLIENT_RATE_LIMIT / _BURST: for every client that names none. */
  defaultRateLimit: RateLimit | null;
  /** Access Manager on (PUBNUB_SECRET_KEY): `default` may also grant player tokens. */
  grantsTokens?: boolean;
}

/** Every client, with their names and tokens checked unique; problems never quote a token. Pure. */
export function buildClients(sources: ClientSources): { clients: ApiClient[]; problems: string[] } {
  const named: { where: string; client: ApiClient }[] = [];
  if (sources.apiTokens.length > 0)
    named.push({
      where: 'BROADCAST_API_TOKENS',
      client: {
        name: defaultClientName,
        tokenHashes: sources.apiTokens.map(tokenHash),
        scopes: sources.grantsTokens ? defaultClientScopesWithGrants : defaultClientScopes,
        rateLimit: sources.defaultRateLimit,
      },
    });
  if (sources.adminTokens.length > 0)
    named.push({
      where: 'BROADCAST_ADMIN_TOKENS',
      client: {
        name: adminClientName,
        tokenHashes: sources.adminTokens.map(tokenHash),
        scopes: adminScopes,
        rateLimit: null,
      },
    });
  sources.specs.forEach((spec, i) =>
    named.push({
      where: `${clientsVariable}[${i}]`,
      client: {
        name: spec.name,
        tokenHashes: spec.tokens.map(hashOfConfigured),
        scopes: [...new Set(spec.scopes.map((s) => parseScope(s) as Scope))],
        rateLimit: spec.rateLimit
          ? rateLimitOf(spec.rateLimit.eventsPerSecond, spec.rateLimit.burst)
          : sources.defaultRateLimit,
      },
    }),
  );

  const problems: string[] = [];
  const names = new Map<string, string>();
  const owners = new Map<string, string>();
  for (const { where, client } of named) {
    const first = names.get(client.name);
    if (first !== undefined)
      problems.push(`${where}: client name "${client.name}" is already used by ${first}`);
    else names.set(client.name, where);
    client.tokenHashes.forEach((h, t) => {
      const owner = owners.get(h);
      // The same token for two clients would make the caller ambiguous; twice in one client is harmless.
      if (owner !== undefined && owner !== where)
        problems.push(`${where}: token ${t + 1} is also a token of ${owner}`);
      else owners.set(h, where);
    });
  }
  return {
    clients: named.map(({ client }) =>
      Object.freeze({
        ...client,
        tokenHashes: Object.freeze([...new Set(client.tokenHashes)]),
        scopes: Object.freeze([...client.scopes]),
      }),
    ),
    problems,
  };
}
