import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@sketchyaf/testkit';
import { timestampRange, type BroadcasterService } from '../src/index.ts';
import { createGames, post, startTestBroadcaster } from './helpers.ts';

// Property: every event the API validates is writable by the real writer on a
// real database (202, the row holds what was sent); every other one is a 400
// that names the field (or a 413 for size). Never a database error, never a 5xx.

interface Issue {
  path: string;
  code: string;
  message: string;
}

const from = Date.parse(timestampRange.from);
const to = Date.parse(timestampRange.to);

/** An ISO datetime at an offset, rendered by hand so that years 0000-9999 at any offset occur. */
function iso(ms: number, offsetMinutes: number, fraction: string): string {
  const local = new Date(ms + offsetMinutes * 60_000);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const zone = offsetMinutes === 0 ? 'Z' : `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  return (
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}${fraction}${zone}`
  );
}

const offset = fc.oneof(fc.constant(0), fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }));
const fraction = fc.constantFrom('', '.000', '.5', '.999999999', `.${'9'.repeat(50)}`);

/**
 * Generators of each kind of value: `valid` ones sit at and inside every
 * limit (longest text, widest unicode, first and last instant, any offset);
 * `near` ones just beyond (one too long, NUL, lone surrogates, year 0000, …).
 */
const valid = {
  text: (max: number): fc.Arbitrary<string> =>
    fc.oneof(
      fc.stringMatching(/^[\w .,!?-]{1,40}$/),
      fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }),
      fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }),
      fc.constantFrom(
        '\udbff\udfff max code point',
        '\ufeff\uffff\ufffe',
        'emoji 👩‍👩‍👧‍👦 flags 🇫🇷',
        'rtl \u202e text',
        '\\u0000 escaped in text',
        'quote \' and " and \\',
        ' ',
      ),
      fc.constantFrom(1, max - 1, max).map((n) => 'x'.repeat(n)),
      fc.constant('€'.repeat(max)),
      // One UTF-16 unit per character: 𝄞 counts 2 towards the limit.
      fc.constant('𝄞'.repeat(Math.floor(max / 2))),
    ),
  id: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), fc.constantFrom('a'.repeat(64), '-', '_')),
  int: (min: number, max: number): fc.Arbitrary<number> =>
    fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max)),
  timestamp: fc.oneof(
    fc.integer({ min: from, max: to - 1 }).map((ms) => new Date(ms).toISOString()),
    fc
      .tuple(
        fc.oneof(fc.constantFrom(from, to - 1), fc.integer({ min: from, max: to - 1 })),
        offset,
        fraction,
      )
      .filter(([ms, , f]) => f.length <= 4 || ms < to - 1000)
      .map(([ms, o, f]) => iso(ms, o, f)),
  ),
  url: fc.oneof(
    fc.webUrl(),
    fc.webUrl({ withQueryParameters: true, withFragments: true }),
    fc.constantFrom(
      `https://cdn.example.com/${'a'.repeat(2024)}`,
      'https://cdn.example.com/é?q=👩',
      'http://[::1]:8080/a',
    ),
  ),
};

const near = {
  text: (max: number): fc.Arbitrary<string> =>
    fc.oneof(
      valid.text(max),
      fc.constantFrom('', 'NUL\u0000inside', 'lone \ud800 high', 'lone \udfff low', '\udc00\ud800 reversed'),
      fc.constantFrom(max + 1, max * 4).map((n) => 'x'.repeat(n)),
    ),
  id: fc.oneof(valid.id, fc.constantFrom('', 'a'.repeat(65), 'é', 'a b', 'a\u0000', '\ud800', 'a.b')),
  int: (min: number, max: number): fc.Arbitrary<number> =>
    fc.oneof(
      valid.int(min, max),
      fc.constantFrom(min - 1, max + 1, 1.5, 1e21, -1e21, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 5e-324),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
    ),
  timestamp: fc.oneof(
    valid.timestamp,
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.oneof(
            {
              weight: 4,
              arbitrary: fc.constantFrom(
                from - 1,
                to,
                Date.parse('0000-01-01T00:00:00Z'),
                Date.parse('9999-12-31T23:59:59Z'),
              ),
            },
            fc.integer({ min: Date.parse('0000-01-01T00:00:00Z'), max: Date.parse('9999-12-31T23:59:59Z') }),
            fc.integer({ min: from - 86_400_000, max: from + 86_400_000 }),
            fc.integer({ min: to - 86_400_000, max: to + 86_400_000 }),
          ),
          offset,
          fraction,
        )
        .map(([ms, o, f]) => iso(ms, o, f)),
    },
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    // Syntactically fine, beyond what PostgreSQL stores (year 0; year 10000 once in UTC).
    { weight: 2, arbitrary: fc.constantFrom('0000-01-01T00:00:00Z', '9999-12-31T23:59:59-23:59') },
    fc.constantFrom(
      '2024-02-30T00:00:00Z',
      '2020-01-01T24:00:00Z',
      '2020-01-01',
      'now',
      '',
      '2020-01-01T00:00:00',
    ),
  ),
  url: fc.oneof(
    valid.url,
    fc.constantFrom(
      `https://cdn.example.com/${'a'.repeat(2100)}`,
      'https://cdn.example.com/\u0000',
      'ftp://cdn.example.com/a.png',
      'javascript:alert(1)',
      'not a url',
    ),
  ),
};

type Values = typeof valid;

function eventArbitrary(gameId: string, v: Values, mangle: boolean): fc.Arbitrary<Record<string, unknown>> {
  const game = mangle
    ? fc.constantFrom(gameId, gameId.toUpperCase(), '', 'not-a-uuid', `${gameId}0`, gameId.replace(/-/g, ''))
    : fc.constantFrom(gameId, gameId.toUpperCase());
  const userId = mangle ? fc.oneof(v.id, v.text(64)) : v.id;
  const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });
  const round = v.int(1, 1000);
  const typed = fc.oneof(
    fc.record({
      type: fc.constant('player_joined'),
      gameId: game,
      data: fc.record(
        { playerId: v.id, displayName: v.text(64), avatarUrl: maybe(v.url) },
        { requiredKeys: ['playerId', 'displayName'] },
      ),
    }),
    fc.record({
      type: fc.constant('player_left'),
      gameId: game,
      data: fc.record(
        {
          playerId: v.id,
          reason: maybe(
            mangle
              ? fc.constantFrom('left', 'kicked', 'disconnected', 'LEFT')
              : fc.constantFrom('left', 'kicked'),
          ),
        },
        { requiredKeys: ['playerId'] },
      ),
    }),
    fc.record({
      type: fc.constant('drawing_submitted'),
      gameId: game,
      data: fc.record(
        { playerId: v.id, round, drawingId: v.id, imageUrl: maybe(v.url) },
        { requiredKeys: ['playerId', 'round', 'drawingId'] },
      ),
    }),
    fc.record({
      type: fc.constant('vote_cast'),
      gameId: game,
      data: fc.record({ voterId: v.id, drawingId: v.id, round }),
    }),
    fc.record({
      type: fc.constant('game_completed'),
      gameId: game,
      data: fc.record({
        winnerIds: fc.array(v.id, { maxLength: mangle ? 101 : 100 }),
        scores: fc.array(fc.record({ playerId: v.id, score: v.int(-1_000_000, 1_000_000) }), {
          maxLength: mangle ? 101 : 100,
        }),
      }),
    }),
    fc.record({
      type: fc.constant('presence_heartbeat'),
      gameId: game,
      data: fc.record({
        playerId: v.id,
        status: mangle ? fc.constantFrom('online', 'away', 'gone') : fc.constantFrom('online', 'away'),
      }),
    }),
    fc.record({
      type: fc.constant('user_notification'),
      userId,
      data: fc.record(
        {
          kind: mangle
            ? fc.oneof(fc.stringMatching(/^[a-z][a-z0-9_]{0,63}$/), v.text(64))
            : fc.stringMatching(/^[a-z][a-z0-9_]{0,63}$/),
          title: v.text(200),
          body: maybe(v.text(16_000)),
          gameId: maybe(game),
          link: maybe(v.url),
        },
        { requiredKeys: ['kind', 'title'] },
      ),
    }),
    fc.record({
      type: fc.constant('canary'),
      userId,
      data: fc.record({ probeId: v.text(128), sentAt: v.timestamp }),
    }),
  );
  // Extra nested junk in data, which a strict schema must refuse.
  const extra = mangle
    ? fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, fc.jsonValue({ maxDepth: 6 }))
    : fc.constant(undefined);
  return fc.tuple(typed, maybe(v.timestamp), extra).map(([event, occurredAt, junk]) => {
    const out: Record<string, unknown> = { ...event };
    if (occurredAt !== undefined) out['occurredAt'] = occurredAt;
    if (junk !== undefined) out['data'] = { ...(event['data'] as object), extra: junk };
    // fc.record leaves optional keys out; drop explicit undefined from nested records too.
    return JSON.parse(JSON.stringify(out)) as Record<string, unknown>;
  });
}

/** Half valid events at the limits, half near-valid ones (each field may be just beyond its limit). */
const anyEvent = (gameId: string): fc.Arbitrary<Record<string, unknown>> =>
  fc.oneof(eventArbitrary(gameId, valid, false), eventArbitrary(gameId, near, true));

interface Accepted {
  eventId: string;
}

describe('every event the API validates is writable (property, real database)', function () {
  this.timeout(180_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  let service: BroadcasterService;
  let gameId = '';

  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    // No relay: only the write is under test; an unreachable PubNub origin is never called.
    service = await startTestBroadcaster(db.url, 'http://127.0.0.1:9', { RELAY_ENABLED: 'false' });
    [gameId = ''] = await createGames(pool, 1);
  });
  after(async () => {
    await service.stop();
    await pool.end();
    await db.drop();
  });

  async function assertWritten(sent: Record<string, unknown>, eventId: string): Promise<void> {
    const { rows } = await pool.query<{ payload: unknown; occurred_at: Date }>(
      'SELECT payload, occurred_at FROM realtime_outbox WHERE event_id = $1',
      [eventId],
    );
    assert.equal(rows.length, 1, `one row for ${eventId}`);
    assert.deepEqual(rows[0]?.payload, sent['data'], 'the row holds the data as sent');
    if (typeof sent['occurredAt'] === 'string')
      assert.equal(rows[0]?.occurred_at.getTime(), Date.parse(sent['occurredAt']), 'occurredAt kept');
  }

  function assertNamedFields(issues: readonly Issue[], prefix: string, sent: unknown): void {
    assert.ok(issues.length > 0, 'a 400 lists its issues');
    for (const issue of issues) {
      assert.ok(issue.path.startsWith(prefix), `issue path ${issue.path} is inside ${prefix || 'the event'}`);
      const field = issue.path.slice(prefix.length).split('.')[0] ?? '';
      assert.ok(
        field === '(body)' || field === '' || Object.hasOwn(sent as object, field),
        `issue path ${issue.path} names a field that was sent`,
      );
      assert.ok(issue.message.length > 0);
    }
  }

  it('single events: 202 and written as sent, or 400 naming the field (or 413)', async () => {
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(anyEvent(gameId), async (event) => {
        const res = await post(`${service.url}/v1/events`, event);
        const shown = `${res.status} ${JSON.stringify(res.body).slice(0, 400)} for ${JSON.stringify(event).slice(0, 400)}`;
        if (res.status === 202) {
          accepted += 1;
          await assertWritten(event, (res.body as Accepted).eventId);
          return;
        }
        refused += 1;
        if (res.status === 413) return;
        assert.equal(res.status, 400, shown);
        const { details } = (res.body as { error: { details: Issue[] } }).error;
        assertNamedFields(details, '', event);
      }),
      { numRuns: 250 },
    );
    console.log(`    ${accepted} events written as sent, ${refused} refused with their field named`);
    // Both sides of the property must be exercised, or it proves nothing.
    assert.ok(accepted >= 25, `accepted ${accepted}`);
    assert.ok(refused >= 25, `refused ${refused}`);
  });

  it('batches: all written, or 400 naming events.<i>.<field>', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(anyEvent(gameId), { minLength: 1, maxLength: 5 }), async (events) => {
        const res = await post(`${service.url}/v1/events/batch`, { events });
        if (res.status === 202) {
          accepted += 1;
          const body = res.body as Accepted[];
          for (const [i, item] of body.entries()) await assertWritten(events[i] ?? {}, item.eventId);
          return;
        }
        if (res.status === 413) return;
        assert.equal(res.status, 400, JSON.stringify(res.body).slice(0, 400));
        for (const issue of (res.body as { error: { details: Issue[] } }).error.details) {
          const match = /^events\.(\d+)(\.|$)/.exec(issue.path);
          assert.ok(match, `batch issue path ${issue.path} names the item`);
          assertNamedFields([issue], `events.${match[1]}${match[2]}`, events[Number(match[1])]);
        }
      }),
      { numRuns: 60 },
    );
    assert.ok(accepted >= 5, `accepted batches ${accepted}`);
  });

  it('timestamps at the bounds: the first instant in, the last instant out, with the range in the message', async () => {
    const at = async (occurredAt: string): Promise<{ status: number; body: unknown }> =>
      post(`${service.url}/v1/events`, {
        type: 'vote_cast',
        gameId,
        occurredAt,
        data: { voterId: 'p', drawingId: 'd', round: 1 },
      });
    assert.equal((await at('2000-01-01T00:00:00Z')).status, 202);
    assert.equal((await at('2000-01-01T01:00:00+01:00')).status, 202);
    assert.equal((await at('2099-12-31T23:59:59.999Z')).status, 202);
    for (const bad of [
      '0000-01-01T00:00:00Z',
      '1999-12-31T23:59:59.999Z',
      '2100-01-01T00:00:00Z',
      '9999-12-31T23:59:59-23:59',
    ]) {
      const res = await at(bad);
      assert.equal(res.status, 400, bad);
      const [issue] = (res.body as { error: { details: Issue[] } }).error.details;
      assert.equal(issue?.path, 'occurredAt');
      assert.match(issue?.message ?? '', /2000-01-01T00:00:00Z .* 2100-01-01T00:00:00Z/);
    }
  });
});
