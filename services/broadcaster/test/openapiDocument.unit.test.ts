import { strict as assert } from 'node:assert';
import { validate } from '@readme/openapi-parser';
import { errorCodes, type ErrorCode } from '@sketchyaf/core';
import { apiEventTypes, eventCatalogue, eventTypes } from '../src/events/catalogue.ts';
import { maxBatchEvents, validateBatch, validateSingle } from '../src/events/validateEvents.ts';
import {
  buildOpenApiDocument,
  dataSchemaName,
  eventSchemaName,
  type JsonObject,
  type OpenApiDocument,
} from '../src/http/openapiDocument.ts';
import { exampleEvents } from './examples.ts';
import { OpenApiValidator } from './openapiValidator.ts';

const gameId = '4f9a7a4e-3b1f-4c65-9d55-0c2b8e3f1a77';

function schemasOf(doc: OpenApiDocument): Record<string, JsonObject> {
  return doc.components['schemas'] as Record<string, JsonObject>;
}

/** Every operation of the document with its responses. */
function operationsOf(doc: OpenApiDocument): { name: string; responses: Record<string, JsonObject> }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item as Record<string, JsonObject>).map(([method, op]) => ({
      name: `${method.toUpperCase()} ${path}`,
      responses: op['responses'] as Record<string, JsonObject>,
    })),
  );
}

/** Events the catalogue refuses, one way each: the document must refuse them too. */
function invalidEvents(): [string, Record<string, unknown>][] {
  const examples = exampleEvents(gameId);
  const vote = examples['vote_cast'] ?? {};
  const note = examples['user_notification'] ?? {};
  const data = vote['data'] as Record<string, unknown>;
  return [
    ['unknown type', { ...vote, type: 'vote_casted' }],
    ['database-only type', { type: 'phase_changed', gameId, data: {} }],
    ['unknown field', { ...vote, extra: 1 }],
    ['unknown data field', { ...vote, data: { ...data, extra: 1 } }],
    ['missing gameId', { type: 'vote_cast', data }],
    ['gameId not a uuid', { ...vote, gameId: 'g-1' }],
    ['userId on a game event', { type: 'vote_cast', userId: 'u-1', data }],
    ['gameId on a user event', { type: 'user_notification', gameId, data: note['data'] }],
    ['round out of range', { ...vote, data: { ...data, round: 0 } }],
    ['round not an integer', { ...vote, data: { ...data, round: 1.5 } }],
    ['id too long', { ...vote, data: { ...data, voterId: 'x'.repeat(65) } }],
    ['bad enum', { type: 'player_left', gameId, data: { playerId: 'p1', reason: 'bored' } }],
    ['occurredAt without offset', { ...vote, occurredAt: '2025-01-01T00:00:00' }],
    ['missing data', { type: 'vote_cast', gameId }],
    [
      'url not http',
      { type: 'player_joined', gameId, data: { playerId: 'p', displayName: 'A', avatarUrl: 'ftp://x/a' } },
    ],
  ];
}

describe('OpenAPI document', function () {
  this.timeout(60_000);
  const doc = buildOpenApiDocument();
  const validator = new OpenApiValidator(doc);

  it('is a valid OpenAPI 3.1 document (@readme/openapi-parser)', async () => {
    assert.equal(doc.openapi, '3.1.0');
    const result = await validate(structuredClone(doc) as never);
    assert.deepEqual(result, { valid: true, warnings: [], specification: 'OpenAPI' });
  });

  it('the validator does refuse a broken document', async () => {
    const broken = structuredClone(doc) as JsonObject;
    delete (broken['info'] as JsonObject)['version'];
    const result = await validate(broken as never);
    assert.equal(result.valid, false);
  });

  it('has a component for every API event type of the catalogue, in the discriminated union, and none other', () => {
    const schemas = schemasOf(doc);
    const union = schemas['ApiEvent'] ?? {};
    const members = (union['oneOf'] as JsonObject[]).map((s) => s['$ref']);
    assert.deepEqual(
      members,
      apiEventTypes.map((t) => `#/components/schemas/${eventSchemaName(t)}`),
    );
    const discriminator = union['discriminator'] as JsonObject;
    assert.equal(discriminator['propertyName'], 'type');
    assert.deepEqual(Object.keys(discriminator['mapping'] as JsonObject), apiEventTypes);
    for (const type of apiEventTypes) {
      const event = schemas[eventSchemaName(type)] ?? {};
      assert.deepEqual((event['properties'] as JsonObject)['type'], { type: 'string', const: type });
    }
    assert.ok(!apiEventTypes.includes('phase_changed'));
    for (const type of eventTypes) {
      const data = schemas[dataSchemaName(type)];
      assert.ok(data, `data schema of ${type}`);
      assert.equal(data['description'], eventCatalogue[type].description);
    }
  });

  it('lists every error code of core with its status, and each response only codes of its status', () => {
    const table = doc['x-error-codes'] as Record<string, JsonObject>;
    assert.deepEqual(Object.keys(table).sort(), Object.keys(errorCodes).sort());
    for (const [code, entry] of Object.entries(table)) {
      assert.equal(entry['status'], errorCodes[code as ErrorCode]);
      assert.ok(
        typeof entry['description'] === 'string' && entry['description'].length > 20,
        `${code} is described`,
      );
    }
    const answered = new Set<string>();
    for (const { name, responses } of operationsOf(doc))
      for (const [status, response] of Object.entries(responses))
        for (const code of (response['x-error-codes'] as string[] | undefined) ?? []) {
          assert.equal(errorCodes[code as ErrorCode], Number(status), `${name} ${status} lists ${code}`);
          answered.add(code);
        }
    for (const code of [
      'insufficient_scope',
      'rate_limited',
      'overloaded',
      'idempotency_key_reused',
      'game_busy',
    ])
      assert.ok(answered.has(code), `${code} is answered by some operation`);
    assert.ok(!answered.has('invalid_config'), 'never answered over HTTP');
  });

  it('documents 503 and 429 with Retry-After, the idempotency header and the wait parameters', () => {
    const post = (doc.paths['/v1/events/batch'] as JsonObject)['post'] as JsonObject;
    const responses = post['responses'] as Record<string, JsonObject>;
    for (const status of ['429', '503'])
      assert.ok((responses[status]?.['headers'] as JsonObject)['Retry-After'], `${status} Retry-After`);
    assert.ok((responses['202']?.['headers'] as JsonObject)['Idempotent-Replayed']);
    const parameters = (post['parameters'] as JsonObject[]).map((p) => p['$ref']);
    for (const name of ['Wait', 'WaitTimeoutMs', 'IdempotencyKey'])
      assert.ok(parameters.includes(`#/components/parameters/${name}`), name);
    const schemes = doc.components['securitySchemes'] as Record<string, JsonObject>;
    assert.equal(schemes['apiToken']?.['scheme'], 'bearer');
  });

  it('has component schemas that all compile as strict JSON Schema 2020-12', () => {
    for (const name of Object.keys(schemasOf(doc)))
      assert.doesNotThrow(() => validator.schemaProblems(name, null), name);
  });

  it('accepts what the catalogue accepts: every example event, singly and as a batch', () => {
    const events = Object.values(exampleEvents(gameId));
    assert.equal(events.length, apiEventTypes.length);
    for (const event of events) {
      assert.equal(validateSingle(event).ok, true);
      assert.deepEqual(validator.requestProblems('post', '/v1/events', event), [], JSON.stringify(event));
    }
    assert.deepEqual(validator.requestProblems('post', '/v1/events/batch', { events }), []);
  });

  it('flags answers the document does not describe (the conformance test relies on it)', () => {
    const headers = new Headers({ 'x-request-id': 'r-1' });
    const error = { error: { code: 'not_found', message: 'Unknown game', details: null }, requestId: 'r-1' };
    assert.deepEqual(validator.responseProblems('post', '/v1/events', 404, error, headers), []);
    assert.notDeepEqual(validator.responseProblems('post', '/v1/events', 418, error, headers), []);
    assert.notDeepEqual(validator.responseProblems('get', '/livez', 404, error, headers), []);
    const wrongCode = { ...error, error: { ...error.error, code: 'game_busy' } };
    assert.notDeepEqual(validator.responseProblems('post', '/v1/events', 404, wrongCode, headers), []);
    assert.notDeepEqual(validator.responseProblems('post', '/v1/events', 404, error, new Headers()), []);
    const busy = { ...error, error: { ...error.error, code: 'game_busy' } };
    assert.notDeepEqual(
      validator.responseProblems('post', '/v1/events', 503, busy, headers),
      [],
      'no Retry-After',
    );
    const accepted = { eventId: gameId, requestId: 'r', channel: `game.${gameId}`, sequence: 1 };
    assert.deepEqual(validator.responseProblems('post', '/v1/events', 202, accepted, headers), []);
    assert.notDeepEqual(
      validator.responseProblems('post', '/v1/events', 202, { ...accepted, extra: 1 }, headers),
      [],
    );
  });

  it('refuses what the catalogue refuses', () => {
    for (const [why, event] of invalidEvents()) {
      assert.equal(validateSingle(event).ok, false, `catalogue: ${why}`);
      assert.notDeepEqual(validator.requestProblems('post', '/v1/events', event), [], `document: ${why}`);
      assert.equal(validateBatch({ events: [event] }).ok, false, `catalogue batch: ${why}`);
      assert.notDeepEqual(
        validator.requestProblems('post', '/v1/events/batch', { events: [event] }),
        [],
        why,
      );
    }
    const vote = exampleEvents(gameId)['vote_cast'];
    for (const [why, body] of [
      ['empty batch', { events: [] }],
      ['too many events', { events: Array.from({ length: maxBatchEvents + 1 }, () => vote) }],
      ['unknown batch field', { events: [vote], extra: true }],
    ] as const) {
      assert.equal(validateBatch(body).ok, false, `catalogue: ${why}`);
      assert.notDeepEqual(
        validator.requestProblems('post', '/v1/events/batch', body),
        [],
        `document: ${why}`,
      );
    }
  });
});
