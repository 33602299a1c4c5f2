import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  apiEventTypes,
  eventCatalogue,
  eventTypes,
  validateBatch,
  validateEvent,
  validateSingle,
} from '../src/index.ts';
import { examples } from './examples.ts';

const gameId = '4f9a7a4e-3b1f-4c65-9d55-0c2b8e3f1a77';

describe('event catalogue and validation', () => {
  it('has an example for every API type, each valid', () => {
    assert.deepEqual(Object.keys(examples).sort(), [...apiEventTypes].sort());
    for (const [type, example] of Object.entries(examples)) {
      const result = validateSingle(example);
      assert.ok(result.ok, `${type}: ${JSON.stringify(result)}`);
    }
  });

  it('phase_changed exists but is database-only', () => {
    assert.ok(eventTypes.includes('phase_changed'));
    assert.equal(eventCatalogue.phase_changed.origin, 'database');
    const result = validateSingle({ type: 'phase_changed', gameId, data: {} });
    assert.ok(!result.ok && result.reason === 'unknown_type');
  });

  it('reports an unknown type with the known ones', () => {
    const result = validateSingle({ type: 'dance', gameId, data: {} });
    assert.ok(!result.ok);
    assert.equal(result.reason, 'unknown_type');
    assert.equal(result.issues[0]?.path, 'type');
    assert.match(result.issues[0]?.message ?? '', /player_joined/);
  });

  it('gives field-level details', () => {
    const result = validateSingle({
      type: 'vote_cast',
      gameId: 'not-a-uuid',
      data: { voterId: 'a b', round: 0, extra: 1 },
    });
    assert.ok(!result.ok);
    const paths = result.issues.map((i) => i.path).sort();
    assert.deepEqual(paths, ['data', 'data.drawingId', 'data.round', 'data.voterId', 'gameId']);
  });

  it('refuses a game id on a user event and a user id on a game event', () => {
    assert.ok(!validateSingle({ ...examples['user_notification'], gameId }).ok);
    assert.ok(!validateSingle({ ...examples['player_left'], userId: 'u1' }).ok);
  });

  it('refuses text PostgreSQL cannot store', () => {
    const nul = validateSingle({
      type: 'player_joined',
      gameId,
      data: { playerId: 'p', displayName: 'a\u0000b' },
    });
    const surrogate = validateSingle({
      type: 'player_joined',
      gameId,
      data: { playerId: 'p', displayName: 'a\ud800' },
    });
    assert.ok(!nul.ok && !surrogate.ok);
  });

  it('batches: 1 to 100 valid events; issues carry the index', () => {
    assert.ok(validateBatch({ events: [examples['vote_cast'], examples['canary']] }).ok);
    const empty = validateBatch({ events: [] });
    assert.ok(!empty.ok && empty.reason === 'validation_failed');
    const many = validateBatch({ events: Array.from({ length: 101 }, () => examples['vote_cast']) });
    assert.ok(!many.ok && many.reason === 'too_many_events');
    const bad = validateBatch({ events: [examples['vote_cast'], { type: 'vote_cast', gameId }] });
    assert.ok(!bad.ok);
    assert.equal(bad.issues[0]?.path, 'events.1.data');
    assert.ok(!validateBatch([examples['vote_cast']]).ok, 'a bare array is not a batch');
  });

  it('fuzz: never throws, and accepts only what the schema allows', () => {
    const anyJson = fc.jsonValue({ maxDepth: 4 });
    const eventLike = fc.record(
      {
        type: fc.oneof(fc.constantFrom(...eventTypes), fc.string()),
        gameId: fc.oneof(fc.uuid(), fc.string()),
        userId: fc.string(),
        data: fc.oneof(anyJson, fc.dictionary(fc.string(), anyJson)),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.oneof(anyJson, eventLike, fc.record({ events: fc.array(eventLike, { maxLength: 5 }) })),
        (body) => {
          const single = validateSingle(body);
          const batch = validateBatch(body);
          for (const result of [single, batch]) {
            if (result.ok) for (const e of result.events) assert.ok(apiEventTypes.includes(e.type));
            else assert.ok(result.issues.length > 0);
          }
          validateEvent(body, 'x');
        },
      ),
      { numRuns: 2000 },
    );
  });
});
