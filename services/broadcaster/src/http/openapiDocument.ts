import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { errorCodes, type ErrorCode } from '@sketchyaf/core';
import {
  apiEventTypes,
  eventCatalogue,
  eventTypes,
  requestSchemaOf,
  type EventType,
} from '../events/catalogue.ts';
import { envelopeVersion, maxEnvelopeBytes } from '../events/envelope.ts';
import { maxBatchEvents } from '../events/validateEvents.ts';
import { maxIdempotencyKeyLength } from '../ingest/idempotencyKey.ts';
import { accessTokenBody } from '../access/playerGrant.ts';
import { redriveBody } from './adminRoutes.ts';
import {
  errorCodeDescriptions,
  gameHistoryErrorCodes,
  ingestErrorCodes,
  listDeadLettersErrorCodes,
  preflightErrorCodes,
  redriveErrorCodes,
  accessTokenErrorCodes,
  gameEventsErrorCodes,
  statusOf,
} from './apiErrors.ts';
import { playerCatchupRateLimit } from './gameEventsRoutes.ts';
import { maxWaitMs, singleBodyLimitBytes } from './ingestRoutes.ts';
import { historyLimitDefault, historyLimitMax } from '../history/gameHistory.ts';

// The broadcaster's HTTP API as an OpenAPI 3.1 document, built from the event
// catalogue's zod schemas (JSON Schema 2020-12 is OpenAPI 3.1's dialect), so
// that no event schema is kept twice. Pure: the same catalogue gives the same
// document, byte for byte (docs/openapi.json is checked against it).

/** A JSON Schema or any other part of the document: plain JSON. */
export type JsonObject = { [key: string]: JsonValue };
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

export interface OpenApiDocument extends JsonObject {
  openapi: '3.1.0';
  info: JsonObject;
  paths: JsonObject;
  components: JsonObject;
}

const jsonType = 'application/json';

const nullable = (schema: JsonObject): JsonObject => ({ oneOf: [schema, { type: 'null' }] });
const dateTime: JsonObject = { type: 'string', format: 'date-time' };
const cursorId: JsonObject = { type: 'string', pattern: '^[0-9]+$' };

/** The body of GET /v1/games/{id}/history (services/broadcaster/src/history/gameHistory.ts). */
function gameHistorySchema(): JsonObject {
  const object = (properties: Record<string, JsonObject>): JsonObject => ({
    type: 'object',
    required: Object.keys(properties),
    additionalProperties: false,
    properties,
  });
  return object({
    gameId: { type: 'string', format: 'uuid' },
    gameExists: { type: 'boolean', description: 'False once the game row is deleted; its history stays.' },
    transitions: {
      type: 'array',
      items: object({
        id: cursorId,
        fromStatus: { type: 'string' },
        toStatus: { type: 'string' },
        round: { type: 'integer' },
        version: { type: 'integer' },
        deadline: nullable(dateTime),
        committedAt: dateTime,
        source: { type: 'string' },
        requestId: { type: 'string' },
      }),
    },
    events: {
      type: 'array',
      items: object({
        id: { ...cursorId, description: 'Outbox row id.' },
        eventId: { type: 'string', format: 'uuid' },
        sequence: nullable({ type: 'integer' }),
        type: { type: 'string' },
        channel: { type: 'string' },
        source: { type: 'string', enum: ['timer-monitor', 'database', 'api'] },
        requestId: { type: 'string' },
        occurredAt: dateTime,
        createdAt: dateTime,
        delivery: {
          type: 'string',
          enum: ['pending', 'published', 'dead_lettered'],
          description:
            'pending: not yet accepted by PubNub (maybe retrying); dead_lettered: refused for good.',
        },
        attempts: { type: 'integer', minimum: 0 },
        lastError: nullable({ type: 'string' }),
        publishedAt: nullable(dateTime),
        publishTimetoken: nullable({ type: 'string' }),
        deadLetteredAt: nullable(dateTime),
      }),
    },
    next: nullable(object({ afterTransition: cursorId, afterEvent: cursorId })),
  });
}

/** `player_joined` → `PlayerJoined`. */
function pascal(type: string): string {
  return type.replace(/(?:^|_)([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Component name of an API event (the request body of one event). */
export function eventSchemaName(type: EventType): string {
  return `${pascal(type)}Event`;
}

/** Component name of an API event as a batch item (it may carry its own `idempotencyKey`). */
export function batchItemSchemaName(type: EventType): string {
  return `${pascal(type)}BatchItem`;
}

/** Component name of an event's `data` (also what subscribers get in the envelope). */
export function dataSchemaName(type: EventType): string {
  return `${pascal(type)}Data`;
}

function ref(name: string): JsonObject {
  return { $ref: `#/components/schemas/${name}` };
}

/**
 * JSON Schema has no keyword for a URL's allowed protocols (`z.url({ protocol })`):
 * a pattern on the scheme says it. Stricter than zod on one point only: an
 * upper-case scheme, which zod lower-cases first.
 */
function urlProtocolPattern(ctx: {
  zodSchema: z.core.$ZodTypes;
  jsonSchema: z.core.JSONSchema.BaseSchema;
}): void {
  const def = ctx.zodSchema._zod.def as { format?: unknown; protocol?: unknown };
  if (def.format !== 'url' || !(def.protocol instanceof RegExp)) return;
  const scheme = def.protocol.source.replace(/^\^/, '').replace(/\$$/, '');
  ctx.jsonSchema.pattern = `^(?:${scheme}):`;
}

function toJsonSchema(schema: z.ZodType): JsonObject {
  // io 'input': what a caller may send (optional fields stay optional).
  const json = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'throw',
    override: urlProtocolPattern,
  });
  const rest = { ...(json as JsonObject) };
  delete rest['$schema'];
  return rest;
}

function dataSchema(type: EventType): JsonObject {
  const entry = eventCatalogue[type];
  return { description: entry.description, ...toJsonSchema(entry.data) };
}

function eventSchema(type: EventType, batchItem = false): JsonObject {
  const schema = toJsonSchema(requestSchemaOf(type, { batchItem }));
  const properties = schema['properties'] as JsonObject;
  const occurredAt = properties['occurredAt'] as JsonObject;
  const range = typeof occurredAt['description'] === 'string' ? occurredAt['description'] : '';
  const data = toJsonSchema(eventCatalogue[type].data);
  // The request's `data` is the catalogue entry's schema: referenced, not repeated.
  if (!isDeepStrictEqual(properties['data'], data))
    throw new Error(`the request schema of ${type} does not embed its catalogue data schema`);
  const scope = eventCatalogue[type].scope;
  const target = scope === 'user' ? 'user.<userId>' : `${scope}.<gameId>`;
  return {
    title: type,
    description: `${eventCatalogue[type].description} Channel \`${target}\`${scope === 'game' ? ", takes the game's next `sequence`" : ', not sequenced'}.`,
    ...schema,
    properties: {
      ...properties,
      occurredAt: {
        ...occurredAt,
        description: `When it happened; default: when the API received it. ${range}`.trim(),
      },
      data: ref(dataSchemaName(type)),
    },
  };
}

const fieldIssue: JsonObject = {
  type: 'object',
  description: 'One field-level problem of a request.',
  required: ['path', 'code', 'message'],
  additionalProperties: false,
  properties: {
    path: { type: 'string', description: 'e.g. `events.2.gameId`, `query.wait`, `headers.idempotency-key`' },
    code: { type: 'string', description: 'e.g. `invalid_format`, `unknown_type`, `too_big`' },
    message: { type: 'string' },
  },
};

const allCodes = Object.keys(errorCodes) as ErrorCode[];

const errorResponse: JsonObject = {
  type: 'object',
  description: 'Every refusal. Nothing was written unless a 503 says `details.outcome: "unknown"`.',
  required: ['error', 'requestId'],
  additionalProperties: false,
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      additionalProperties: false,
      properties: {
        code: { type: 'string', enum: allCodes, description: 'Stable; see the error codes table.' },
        message: { type: 'string', description: 'For people; may change.' },
        details: {
          description: 'Field issues (400, 413), or an object named by the code, or null.',
          anyOf: [{ type: 'array', items: ref('FieldIssue') }, { type: 'object' }, { type: 'null' }],
        },
      },
    },
    requestId: { type: 'string', description: 'The `X-Request-Id` of this request: quote it when asking.' },
  },
};

const accepted: JsonObject = {
  type: 'object',
  description: 'One event written to the outbox.',
  required: ['eventId', 'requestId', 'channel', 'sequence'],
  additionalProperties: false,
  properties: {
    eventId: { type: 'string', format: 'uuid', description: 'The envelope `eventId` subscribers see.' },
    requestId: {
      type: 'string',
      description:
        'The request that wrote it: a replay (`Idempotent-Replayed: true`) names the first request.',
    },
    channel: {
      type: 'string',
      description: 'PubNub channel: `game.<gameId>`, `presence.<gameId>` or `user.<userId>`.',
    },
    sequence: {
      type: ['integer', 'null'],
      minimum: 1,
      description: "The game's sequence number of a game event; null for presence and user events.",
    },
    deliveryState: {
      type: 'string',
      enum: ['published', 'pending', 'dead_lettered'],
      description: 'Only with `?wait=published`: what became of it within `waitTimeoutMs`.',
    },
    timetoken: {
      type: ['string', 'null'],
      description: "Only with `?wait=published`: PubNub's timetoken once published, else null.",
    },
    error: { type: 'string', description: 'Only for `dead_lettered`: why publishing gave up.' },
  },
};

const deadLetter: JsonObject = {
  type: 'object',
  required: [
    'eventId',
    'outboxId',
    'gameId',
    'sequence',
    'type',
    'channel',
    'attempts',
    'lastError',
    'deadLetteredAt',
  ],
  additionalProperties: false,
  properties: {
    eventId: { type: 'string', format: 'uuid' },
    outboxId: { type: 'string', description: 'The outbox row id (a bigint, as a string).' },
    gameId: { type: ['string', 'null'], format: 'uuid' },
    sequence: { type: ['integer', 'null'] },
    type: { type: 'string' },
    channel: { type: 'string' },
    attempts: { type: 'integer', minimum: 0 },
    lastError: { type: ['string', 'null'] },
    deadLetteredAt: { type: 'string', format: 'date-time' },
  },
};

const gameIdParameter: JsonObject = {
  name: 'gameId',
  in: 'path',
  required: true,
  description: 'The game.',
  schema: { type: 'string', format: 'uuid' },
};

const gameEventEnvelope: JsonObject = {
  type: 'object',
  description: 'A game event as published on `game.<id>` (docs/contract.md, "Events: the v2.0.0 envelope").',
  required: ['version', 'eventId', 'type', 'gameId', 'sequence', 'occurredAt', 'requestId', 'source', 'data'],
  additionalProperties: false,
  properties: {
    version: { type: 'string', const: envelopeVersion },
    eventId: { type: 'string', format: 'uuid' },
    type: { type: 'string' },
    gameId: { type: 'string', format: 'uuid' },
    sequence: { type: 'integer', minimum: 1 },
    occurredAt: { type: 'string', format: 'date-time' },
    requestId: { type: 'string' },
    source: { type: 'string', enum: ['timer-monitor', 'database', 'api'] },
    data: { description: 'The event data of its type (the `*Data` schemas).' },
  },
};

const readinessReport: JsonObject = {
  type: 'object',
  required: ['ready', 'checks'],
  additionalProperties: false,
  properties: {
    ready: { type: 'boolean' },
    checks: {
      type: 'object',
      description: 'One entry per dependency (database, LISTEN connection, shard leases, start sequence).',
      additionalProperties: {
        type: 'object',
        required: ['ok'],
        additionalProperties: false,
        properties: { ok: { type: 'boolean' }, detail: { type: 'string' } },
      },
    },
  },
};

const version: JsonObject = {
  type: 'object',
  required: ['generation', 'revision'],
  properties: { generation: { type: 'integer', minimum: 0 }, revision: { type: 'string' } },
};

const controlAcknowledgement: JsonObject = {
  type: 'object',
  description: "This replica's runtime control: the state its source holds and the one in force.",
  required: ['replica', 'component', 'source', 'desired', 'applied'],
  properties: {
    replica: { type: 'string' },
    component: { type: 'string', description: '`ingest+relay` or `ingest`.' },
    source: {
      type: 'object',
      required: ['kind', 'location', 'synced', 'error'],
      properties: {
        kind: { type: 'string', enum: ['file', 'kubernetes', 'static'] },
        location: { type: 'string' },
        synced: { type: 'boolean' },
        error: { type: ['string', 'null'] },
      },
    },
    desired: version,
    applied: {
      oneOf: [
        {
          type: 'object',
          required: ['generation', 'revision', 'at', 'spec'],
          properties: {
            ...(version['properties'] as JsonObject),
            at: { type: 'string' },
            spec: { type: 'object' },
          },
        },
        { type: 'null' },
      ],
    },
  },
};

const headers: JsonObject = {
  XRequestId: {
    required: true,
    description:
      "This request's id: the caller's `X-Request-Id` when it is `[A-Za-z0-9._:-]{1,128}`, else a new UUID.",
    schema: { type: 'string' },
  },
  RetryAfter: {
    required: true,
    description: 'Seconds to wait before retrying.',
    schema: { type: 'integer', minimum: 1 },
  },
  IdempotentReplayed: {
    description:
      'Present on a replay: the answer is the first request with this `Idempotency-Key`; nothing was written.',
    schema: { type: 'string', const: 'true' },
  },
  WWWAuthenticate: { required: true, description: 'The bearer realm.', schema: { type: 'string' } },
};

const parameters: JsonObject = {
  IdempotencyKey: {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description:
      'A new key per logical request; a retry with the same key and body gets the first answer ' +
      '(same `eventId`s and `sequence`s, `Idempotent-Replayed: true`) and writes nothing; the same key with another ' +
      'body is 422 `idempotency_key_reused`. Keys belong to the token that sent them and are kept ' +
      '`INGEST_IDEMPOTENCY_RETENTION_MS` (24 h) after the first write. A request that wrote nothing leaves no key.',
    schema: {
      type: 'string',
      minLength: 1,
      maxLength: maxIdempotencyKeyLength,
      pattern: `^[\\x21-\\x7e](?:[\\x20-\\x7e]{0,${maxIdempotencyKeyLength - 2}}[\\x21-\\x7e])?$`,
    },
  },
  XRequestId: {
    name: 'X-Request-Id',
    in: 'header',
    required: false,
    description:
      'Carried in the logs and the envelope (`requestId`); another value is replaced by a new UUID.',
    schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
  },
  Wait: {
    name: 'wait',
    in: 'query',
    required: false,
    description:
      '`published`: answer once PubNub accepted every event (200), or after `waitTimeoutMs` with `deliveryState` ' +
      '(202). The events are durable either way.',
    schema: { type: 'string', enum: ['published'] },
  },
  WaitTimeoutMs: {
    name: 'waitTimeoutMs',
    in: 'query',
    required: false,
    description: `With \`wait=published\`: how long to wait, in ms (default ${maxWaitMs}).`,
    schema: { type: 'integer', minimum: 1, maximum: maxWaitMs, default: maxWaitMs },
  },
};

function jsonContent(schema: JsonObject, extra: JsonObject = {}): JsonObject {
  return { [jsonType]: { schema, ...extra } };
}

const requestIdHeader = { 'X-Request-Id': { $ref: '#/components/headers/XRequestId' } };

/** The error responses of an operation answering `codes`: one per status, each listing its codes. */
export function errorResponses(codes: readonly ErrorCode[]): JsonObject {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(statusOf(code), [...(byStatus.get(statusOf(code)) ?? []), code]);
  const responses: JsonObject = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const responseHeaders: JsonObject = { ...requestIdHeader };
    if (status === 503 || status === 429)
      responseHeaders['Retry-After'] = { $ref: '#/components/headers/RetryAfter' };
    if (status === 401)
      responseHeaders['WWW-Authenticate'] = { $ref: '#/components/headers/WWWAuthenticate' };
    responses[String(status)] = {
      description: list.map((c) => `\`${c}\`: ${errorCodeDescriptions[c]}`).join('\n\n'),
      headers: responseHeaders,
      content: jsonContent({
        allOf: [
          ref('ErrorResponse'),
          {
            type: 'object',
            properties: {
              error: { type: 'object', properties: { code: { type: 'string', enum: list } } },
            },
          },
        ],
      }),
      'x-error-codes': list,
    };
  }
  return responses;
}

function ingestResponses(body: JsonObject): JsonObject {
  const successHeaders = {
    ...requestIdHeader,
    'Idempotent-Replayed': { $ref: '#/components/headers/IdempotentReplayed' },
  };
  return {
    '200': {
      description: 'With `?wait=published`: every event was written and published to PubNub.',
      headers: successHeaders,
      content: jsonContent(body),
    },
    '202': {
      description:
        'Written to the outbox (durable); the relay publishes it. With `?wait=published`: not every event was ' +
        'published within `waitTimeoutMs` (see `deliveryState`).',
      headers: successHeaders,
      content: jsonContent(body),
    },
    ...errorResponses(ingestErrorCodes),
  };
}

const ingestParameters = [
  { $ref: '#/components/parameters/Wait' },
  { $ref: '#/components/parameters/WaitTimeoutMs' },
  { $ref: '#/components/parameters/IdempotencyKey' },
  { $ref: '#/components/parameters/XRequestId' },
];

function preflight(path: string): JsonObject {
  return {
    tags: ['ingest'],
    operationId: path.endsWith('batch') ? 'preflightEventBatch' : 'preflightEvent',
    summary: 'CORS preflight',
    description:
      'Answered 204 for an `Origin` on `CORS_ORIGINS` (with the `Access-Control-Allow-*` headers) and for a request ' +
      'without `Origin`; 403 for any other origin.',
    security: [],
    responses: {
      '204': { description: 'Allowed.', headers: requestIdHeader },
      ...errorResponses(preflightErrorCodes),
    },
  };
}

const probeResponse = (description: string, content: JsonObject): JsonObject => ({
  description,
  headers: requestIdHeader,
  content,
});

/** The OpenAPI 3.1 document of the broadcaster's HTTP API. */
export function buildOpenApiDocument(): OpenApiDocument {
  const schemas: JsonObject = {};
  for (const type of apiEventTypes) schemas[eventSchemaName(type)] = eventSchema(type);
  const mapping: JsonObject = {};
  for (const type of apiEventTypes) mapping[type] = `#/components/schemas/${eventSchemaName(type)}`;
  schemas['ApiEvent'] = {
    description: 'One event, by `type`: the event catalogue of the API.',
    oneOf: apiEventTypes.map((t) => ref(eventSchemaName(t))),
    discriminator: { propertyName: 'type', mapping },
  };
  for (const type of apiEventTypes) schemas[batchItemSchemaName(type)] = eventSchema(type, true);
  schemas['ApiBatchItem'] = {
    description: 'One event of a batch, by `type`: an `ApiEvent` that may carry its own `idempotencyKey`.',
    oneOf: apiEventTypes.map((t) => ref(batchItemSchemaName(t))),
    discriminator: {
      propertyName: 'type',
      mapping: Object.fromEntries(
        apiEventTypes.map((t) => [t, `#/components/schemas/${batchItemSchemaName(t)}`]),
      ),
    },
  };
  schemas['EventBatch'] = {
    type: 'object',
    description: `1 to ${maxBatchEvents} events, written all or nothing in one transaction.`,
    required: ['events'],
    additionalProperties: false,
    properties: {
      events: { type: 'array', minItems: 1, maxItems: maxBatchEvents, items: ref('ApiBatchItem') },
    },
  };
  for (const type of eventTypes) schemas[dataSchemaName(type)] = dataSchema(type);
  schemas['Accepted'] = accepted;
  schemas['AcceptedBatch'] = { type: 'array', minItems: 1, maxItems: maxBatchEvents, items: ref('Accepted') };
  schemas['ErrorResponse'] = errorResponse;
  schemas['FieldIssue'] = fieldIssue;
  schemas['DeadLetter'] = deadLetter;
  schemas['GameHistory'] = gameHistorySchema();
  schemas['RedriveRequest'] = toJsonSchema(redriveBody);
  schemas['AccessTokenRequest'] = toJsonSchema(accessTokenBody);
  schemas['ReadinessReport'] = readinessReport;
  schemas['GameEventEnvelope'] = gameEventEnvelope;
  schemas['ControlAcknowledgement'] = controlAcknowledgement;

  const codeTable: JsonObject = {};
  for (const code of allCodes)
    codeTable[code] = { status: statusOf(code), description: errorCodeDescriptions[code] };

  return {
    openapi: '3.1.0',
    info: {
      title: 'SketchyAF Realtime broadcaster',
      version: '1.0.0',
      summary:
        'Ingest API of game events, delivered in order to PubNub channels, and its operator endpoints.',
      description:
        'Game backends `POST` events; each is validated against the event catalogue and committed to the outbox ' +
        'before the answer, then published to PubNub in `sequence` order per game.\n\n' +
        'Every refusal is `{"error": {"code", "message", "details"}, "requestId"}`. Only a 503 or a 429 is worth ' +
        'retrying (after `Retry-After` seconds, with the same `Idempotency-Key`); a 4xx needs the request fixed. ' +
        'An unknown route is 404 `not_found`. `x-error-codes` lists every code with its status and meaning.',
      license: { name: 'UNLICENSED', identifier: 'LicenseRef-UNLICENSED' },
    },
    'x-error-codes': codeTable,
    tags: [
      { name: 'ingest', description: 'Events from game backends (API tokens).' },
      {
        name: 'access',
        description: "Player tokens for PubNub Access Manager (the game backend's API token).",
      },
      {
        name: 'catch-up',
        description: "A game's events from the outbox, for players' clients filling a gap (player tokens).",
      },
      { name: 'admin', description: 'Operator endpoints (admin tokens).' },
      {
        name: 'probes',
        description: 'Kubernetes probes, metrics, runtime control and this document; no token.',
      },
    ],
    paths: {
      '/v1/events': {
        post: {
          tags: ['ingest'],
          operationId: 'postEvent',
          summary: 'Send one event',
          description: `The body is one event; its envelope must fit PubNub's ${maxEnvelopeBytes / 1024} KiB, the body ${singleBodyLimitBytes / 1024} KiB.`,
          security: [{ apiToken: [] }],
          parameters: ingestParameters,
          requestBody: { required: true, content: jsonContent(ref('ApiEvent')) },
          responses: ingestResponses(ref('Accepted')),
        },
        options: preflight('/v1/events'),
      },
      '/v1/events/batch': {
        post: {
          tags: ['ingest'],
          operationId: 'postEventBatch',
          summary: 'Send a batch of events',
          description:
            `1 to ${maxBatchEvents} events, all or nothing: one invalid event or unknown game refuses the whole batch ` +
            '(field issues are prefixed `events.<index>`). The body limit is `INGEST_BATCH_BODY_LIMIT_BYTES`. The ' +
            'answer lists the events in the order sent.',
          security: [{ apiToken: [] }],
          parameters: ingestParameters,
          requestBody: { required: true, content: jsonContent(ref('EventBatch')) },
          responses: ingestResponses(ref('AcceptedBatch')),
        },
        options: preflight('/v1/events/batch'),
      },
      '/v1/access-tokens': {
        post: {
          tags: ['access'],
          operationId: 'grantAccessToken',
          summary: "Grant a player's PubNub token",
          description:
            'Needs the scope `tokens:grant` and `PUBNUB_SECRET_KEY` (else 501 `access_manager_off`). The token, ' +
            'granted with PubNub Access Manager v3 for `authorized_uuid` = `userId`, reads `game.<id>`, ' +
            '`game.<id>-pnpres` and `presence.<id>` of each listed game and `user.<userId>`, nothing else, for ' +
            "`ttlMinutes`. The player's client passes it to the SDK (`setToken`) and subscribes with `userId` as " +
            'its user id. Games are not looked up: a token for a game not yet created reads nothing until it is.',
          security: [{ apiToken: [] }],
          parameters: [{ $ref: '#/components/parameters/XRequestId' }],
          requestBody: { required: true, content: jsonContent(ref('AccessTokenRequest')) },
          responses: {
            '200': {
              description: 'Granted.',
              headers: requestIdHeader,
              content: jsonContent({
                type: 'object',
                required: ['token', 'expiresAt', 'channels'],
                additionalProperties: false,
                properties: {
                  token: { type: 'string', description: 'PubNub v3 token: hand it to the player as is.' },
                  expiresAt: { type: 'string', format: 'date-time', description: "By PubNub's clock." },
                  channels: {
                    type: 'array',
                    items: { type: 'string' },
                    description: 'Every channel the token reads.',
                  },
                },
              }),
            },
            ...errorResponses(accessTokenErrorCodes),
          },
        },
      },
      '/v1/games/{id}/history': {
        get: {
          tags: ['admin'],
          operationId: 'getGameHistory',
          summary: "A game's transitions and events with their delivery state",
          description:
            'Oldest first, at most `limit` transitions and `limit` events per page; `next` holds the cursors of ' +
            'the next page (null on the last). A deleted game keeps its history (`gameExists` false) until ' +
            'retention: published events after `OUTBOX_RETENTION_MS`, transitions after ' +
            '`GAME_TRANSITIONS_RETENTION_DAYS`. `sketchyaf-realtime history <gameId>` prints it.',
          security: [{ adminToken: [] }],
          parameters: [
            {
              name: 'id',
              in: 'path',
              required: true,
              description: 'The game.',
              schema: { type: 'string', format: 'uuid' },
            },
            {
              name: 'limit',
              in: 'query',
              required: false,
              description: 'Transitions and events per page (each).',
              schema: { type: 'integer', minimum: 1, maximum: historyLimitMax, default: historyLimitDefault },
            },
            ...['afterTransition', 'afterEvent'].map((name) => ({
              name,
              in: 'query',
              required: false,
              description: 'Cursor from `next` of the previous page.',
              schema: { type: 'string', pattern: '^(0|[1-9][0-9]{0,18})$', default: '0' },
            })),
            { $ref: '#/components/parameters/XRequestId' },
          ],
          responses: {
            '200': {
              description: 'One page of the history.',
              headers: requestIdHeader,
              content: jsonContent(ref('GameHistory')),
            },
            ...errorResponses(gameHistoryErrorCodes),
          },
        },
      },
      '/v1/games/{gameId}/events': {
        get: {
          tags: ['catch-up'],
          operationId: 'listGameEvents',
          summary: "A game's events after a sequence (catch-up)",
          description:
            "The game's events with `sequence` > `after`, in order, as the v2.0.0 envelopes subscribers get on " +
            '`game.<id>` (published or not yet), from the outbox: the source of truth for filling a gap, for as ' +
            'long as the outbox keeps them. Read with a client token holding `events:read` or `admin` (any game) or ' +
            'with a player token from `POST /v1/access-tokens` (only the games it names: any other game is 403 ' +
            `\`forbidden\`). Each credential has its own token bucket (a player token ${playerCatchupRateLimit.eventsPerSecond} ` +
            `requests/s, burst ${playerCatchupRateLimit.burst}; a client its configured rate), a request costing 1.`,
          security: [{ apiToken: [] }, { playerToken: [] }],
          parameters: [
            gameIdParameter,
            {
              name: 'after',
              in: 'query',
              required: false,
              description: 'The last sequence the reader has; 0 for the whole game.',
              schema: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 },
            },
            {
              name: 'limit',
              in: 'query',
              required: false,
              description: 'At most this many events.',
              schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            },
            { $ref: '#/components/parameters/XRequestId' },
          ],
          responses: {
            '200': {
              description: 'A page of events; `hasMore`: ask again with `after` = the last `sequence`.',
              headers: requestIdHeader,
              content: jsonContent({
                type: 'object',
                required: ['gameId', 'events', 'hasMore'],
                additionalProperties: false,
                properties: {
                  gameId: { type: 'string', format: 'uuid' },
                  events: { type: 'array', items: ref('GameEventEnvelope') },
                  hasMore: { type: 'boolean' },
                },
              }),
            },
            ...errorResponses(gameEventsErrorCodes),
          },
        },
        options: {
          tags: ['catch-up'],
          operationId: 'preflightGameEvents',
          parameters: [gameIdParameter],
          summary: 'CORS preflight',
          description:
            'Answered 204 for an `Origin` on `CORS_ORIGINS` (with the `Access-Control-Allow-*` headers) and for a ' +
            'request without `Origin`; 403 for any other origin.',
          security: [],
          responses: {
            '204': { description: 'Allowed.', headers: requestIdHeader },
            ...errorResponses(preflightErrorCodes),
          },
        },
      },
      '/admin/dead-letters': {
        get: {
          tags: ['admin'],
          operationId: 'listDeadLetters',
          summary: 'List dead letters, oldest first',
          security: [{ adminToken: [] }],
          parameters: [
            {
              name: 'limit',
              in: 'query',
              required: false,
              description: 'How many to list.',
              schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            },
            { $ref: '#/components/parameters/XRequestId' },
          ],
          responses: {
            '200': {
              description: 'The dead letters.',
              headers: requestIdHeader,
              content: jsonContent({
                type: 'object',
                required: ['deadLetters'],
                additionalProperties: false,
                properties: { deadLetters: { type: 'array', items: ref('DeadLetter') } },
              }),
            },
            ...errorResponses(listDeadLettersErrorCodes),
          },
        },
      },
      '/admin/dead-letters/redrive': {
        post: {
          tags: ['admin'],
          operationId: 'redriveDeadLetters',
          summary: 'Hand dead letters back to the relay',
          description:
            'The given dead letters (or all) go back to the relay with every later event of their channels, so ' +
            'that subscribers get them in sequence order (they see that tail twice, with the same `eventId`s).',
          security: [{ adminToken: [] }],
          parameters: [{ $ref: '#/components/parameters/XRequestId' }],
          requestBody: { required: true, content: jsonContent(ref('RedriveRequest')) },
          responses: {
            '200': {
              description: 'Handed back.',
              headers: requestIdHeader,
              content: jsonContent({
                type: 'object',
                required: ['redriven', 'eventIds', 'replayed'],
                additionalProperties: false,
                properties: {
                  redriven: { type: 'integer', minimum: 0, description: 'Dead letters handed back.' },
                  eventIds: { type: 'array', items: { type: 'string', format: 'uuid' } },
                  replayed: {
                    type: 'integer',
                    minimum: 0,
                    description: 'Later events of the same channels published again after them.',
                  },
                },
              }),
            },
            ...errorResponses(redriveErrorCodes),
          },
        },
      },
      '/openapi.json': {
        get: {
          tags: ['probes'],
          operationId: 'getOpenApiDocument',
          summary: 'This document',
          security: [],
          responses: {
            '200': probeResponse('The OpenAPI 3.1 document of this API.', jsonContent({ type: 'object' })),
          },
        },
      },
      '/livez': {
        get: {
          tags: ['probes'],
          operationId: 'livez',
          summary: 'Liveness: the process only (a database outage never restarts pods)',
          security: [],
          responses: {
            '200': probeResponse(
              'Alive.',
              jsonContent({
                type: 'object',
                required: ['status'],
                additionalProperties: false,
                properties: { status: { type: 'string', const: 'ok' } },
              }),
            ),
          },
        },
      },
      '/readyz': {
        get: {
          tags: ['probes'],
          operationId: 'readyz',
          summary: 'Readiness: every dependency answers',
          security: [],
          responses: {
            '200': probeResponse('Ready.', jsonContent(ref('ReadinessReport'))),
            '503': probeResponse(
              'Not ready; the failing checks say why.',
              jsonContent(ref('ReadinessReport')),
            ),
          },
        },
      },
      '/metrics': {
        get: {
          tags: ['probes'],
          operationId: 'metrics',
          summary: 'Prometheus metrics (docs/metrics.md)',
          security: [],
          responses: {
            '200': probeResponse('Prometheus text exposition format.', {
              'text/plain': { schema: { type: 'string' } },
            }),
          },
        },
      },
      '/control': {
        get: {
          tags: ['probes'],
          operationId: 'control',
          summary: 'Runtime control in force on this replica',
          security: [],
          responses: {
            '200': probeResponse('The acknowledgement.', jsonContent(ref('ControlAcknowledgement'))),
          },
        },
      },
    },
    components: {
      schemas,
      parameters,
      headers,
      securitySchemes: {
        apiToken: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An API token of `BROADCAST_API_TOKENS` (or a client token of the configured clients).',
        },
        playerToken: {
          type: 'http',
          scheme: 'bearer',
          description:
            "A player's token from `POST /v1/access-tokens` (PubNub Access Manager v3, carrying the broadcaster's seal).",
        },
        adminToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'An admin token of `BROADCAST_ADMIN_TOKENS`.',
        },
      },
    },
  };
}
