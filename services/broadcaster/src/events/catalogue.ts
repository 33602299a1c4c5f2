import { gameStatuses } from '@sketchyaf/core';
import { z } from 'zod';
import { idempotencyKeyPattern, idempotencyKeyRule } from '../ingest/idempotencyKey.ts';
import { userIdPattern, type ChannelScope } from './channels.ts';

// The one list of event types, with a schema for each one's `data`. Adding a
// type means adding an entry here (and to the README table); nothing else.

/** Text that PostgreSQL can store and PubNub can carry: no NUL, no unpaired surrogate. */
export function isStorableText(value: string): boolean {
  return value.isWellFormed() && !value.includes('\u0000');
}

const text = (max: number) =>
  z.string().min(1).max(max).refine(isStorableText, 'must not contain NUL or unpaired surrogates');
const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, - or _');
const round = z.int().min(1).max(1000);
/**
 * Timestamps accepted anywhere in an event: from 2000-01-01T00:00:00Z
 * (inclusive) to 2100-01-01T00:00:00Z (exclusive), whatever the offset. The
 * ISO syntax alone lets year 0000 through, which PostgreSQL refuses (500);
 * fixed bounds, not "now ± N", so that an event valid once stays valid on
 * retry, and nothing a clock-skewed backend sends is refused.
 */
export const timestampRange = { from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' } as const;
const timestampFromMs = Date.parse(timestampRange.from);
const timestampToMs = Date.parse(timestampRange.to);

/** True for an ISO datetime within timestampRange (a malformed one is the format check's to report). */
export function isTimestampInRange(value: string): boolean {
  const ms = Date.parse(value);
  return Number.isNaN(ms) || (ms >= timestampFromMs && ms < timestampToMs);
}

const timestamp = z.iso
  .datetime({ offset: true })
  .refine(isTimestampInRange, {
    error: `must be from ${timestampRange.from} to before ${timestampRange.to}`,
  })
  .meta({
    description: `ISO-8601 date and time with Z or an offset, from ${timestampRange.from} (inclusive) to ${timestampRange.to} (exclusive).`,
  });
const httpUrl = z
  .url({ protocol: /^https?$/ })
  .max(2048)
  .refine(isStorableText, 'must not contain NUL or unpaired surrogates');
// The statuses of the phase rules (core gamePhases, checked against the games trigger).
const gameStatus = z.enum(gameStatuses);

export interface CatalogueEntry {
  /** Which channel the event goes to, and which id the event must name. */
  scope: ChannelScope;
  /** Who writes it: the API accepts only `api` types. */
  origin: 'api' | 'database';
  description: string;
  data: z.ZodType<Record<string, unknown>>;
}

export const eventCatalogue = {
  phase_changed: {
    scope: 'game',
    origin: 'database',
    description: 'A game changed phase (written by the games trigger, never by the API).',
    data: z.strictObject({
      from: gameStatus,
      to: gameStatus,
      round,
      totalRounds: round,
      version: z.int().min(0),
      phaseStartedAt: timestamp.nullable(),
      phaseExpiresAt: timestamp.nullable(),
    }),
  },
  player_joined: {
    scope: 'game',
    origin: 'api',
    description: 'A player joined the game.',
    data: z.strictObject({ playerId: id, displayName: text(64), avatarUrl: httpUrl.optional() }),
  },
  player_left: {
    scope: 'game',
    origin: 'api',
    description: 'A player left, was kicked or dropped.',
    data: z.strictObject({ playerId: id, reason: z.enum(['left', 'kicked', 'disconnected']).optional() }),
  },
  drawing_submitted: {
    scope: 'game',
    origin: 'api',
    description: 'A player submitted a drawing for a round.',
    data: z.strictObject({ playerId: id, round, drawingId: id, imageUrl: httpUrl.optional() }),
  },
  vote_cast: {
    scope: 'game',
    origin: 'api',
    description: 'A player voted for a drawing.',
    data: z.strictObject({ voterId: id, drawingId: id, round }),
  },
  game_completed: {
    scope: 'game',
    origin: 'api',
    description: 'Final results of a game.',
    data: z.strictObject({
      winnerIds: z.array(id).max(100),
      scores: z
        .array(z.strictObject({ playerId: id, score: z.int().min(-1_000_000).max(1_000_000) }))
        .max(100),
    }),
  },
  presence_heartbeat: {
    scope: 'presence',
    origin: 'api',
    description: 'A player is still connected (not sequenced; goes to presence.<gameId>).',
    data: z.strictObject({ playerId: id, status: z.enum(['online', 'away']) }),
  },
  user_notification: {
    scope: 'user',
    origin: 'api',
    description: 'A message for one user (goes to user.<userId>).',
    data: z.strictObject({
      kind: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be snake_case, 1-64 characters'),
      title: text(200),
      body: text(16_000).optional(),
      gameId: z.guid().optional(),
      link: httpUrl.optional(),
    }),
  },
  canary: {
    scope: 'user',
    origin: 'api',
    description: 'Synthetic probe of the whole pipeline (the health service subscribes to user.<userId>).',
    data: z.strictObject({ probeId: text(128), sentAt: timestamp }),
  },
} as const satisfies Record<string, CatalogueEntry>;

export type EventType = keyof typeof eventCatalogue;
export const eventTypes = Object.keys(eventCatalogue) as EventType[];
export const apiEventTypes = eventTypes.filter((t) => eventCatalogue[t].origin === 'api');

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && Object.hasOwn(eventCatalogue, value);
}

/** A batch item's own idempotency key: the syntax of the `Idempotency-Key` header. */
export const eventIdempotencyKey = z.string().regex(idempotencyKeyPattern, idempotencyKeyRule).meta({
  description:
    'Idempotency key of this event alone (batch items only; not with an Idempotency-Key header): a retry of the event with the same key and body gets its first eventId and sequence and writes nothing.',
});

/**
 * The request-level schema of one API event of type `type`: its target id,
 * `occurredAt` and `data`; a batch item may also carry its own `idempotencyKey`.
 */
export function requestSchemaOf(
  type: EventType,
  options: { batchItem?: boolean } = {},
): z.ZodType<ApiEventInput> {
  const entry: CatalogueEntry = eventCatalogue[type];
  const common = { type: z.literal(type), occurredAt: timestamp.optional(), data: entry.data };
  const target =
    entry.scope === 'user'
      ? z.strictObject({
          ...common,
          userId: z.string().regex(userIdPattern, 'must be 1-64 letters, digits, - or _'),
        })
      : z.strictObject({ ...common, gameId: z.guid() });
  return options.batchItem === true
    ? target.extend({ idempotencyKey: eventIdempotencyKey.optional() })
    : target;
}

/** One event as the API receives it, after validation. */
export interface ApiEventInput {
  type: EventType;
  gameId?: string;
  userId?: string;
  occurredAt?: string;
  data: Record<string, unknown>;
  /** A batch item's own idempotency key. */
  idempotencyKey?: string;
}
