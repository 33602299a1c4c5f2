import { strict as assert } from 'node:assert';
import { waitFor } from '@sketchyaf/testkit';
import { apiToken } from '@sketchyaf/broadcaster/testing';
import { fetchPage } from '../src/catchUpApi.ts';
import type { UserEvent } from '../src/index.ts';
import {
  createGames,
  grantToken,
  joinAsPlayer,
  startPlayerStack,
  type Player,
  type PlayerStack,
} from './stack.ts';

async function postEvent(stack: PlayerStack, body: unknown): Promise<{ sequence?: number }> {
  const res = await fetch(`${stack.broadcaster.url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiToken}` },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  assert.equal(res.status, 202, text);
  return JSON.parse(text) as { sequence?: number };
}

const joined = (gameId: string, n: number) => ({
  type: 'player_joined',
  gameId,
  data: { playerId: `p${n}`, displayName: `Player ${n}` },
});

describe('player client against the real stack: resume, user events, another game', function () {
  this.timeout(60_000);
  let stack: PlayerStack;
  const players: Player[] = [];

  before(async () => {
    stack = await startPlayerStack();
  });
  afterEach(async () => {
    for (const p of players.splice(0)) p.stop();
    await stack.pubnub.clearFaults();
  });
  after(async () => {
    await stack?.stop();
  });

  it('resumes after a given sequence: only the later events, in order', async () => {
    const [gameId = ''] = await createGames(stack.pool, 1, {}, 1);
    for (let n = 1; n <= 5; n++) await postEvent(stack, joined(gameId, n));
    const token = await grantToken(stack, 'resumer', [gameId]);
    const p = joinAsPlayer(stack, { userId: 'resumer', gameId, token, after: 3 });
    players.push(p);
    await waitFor('the catch-up on join', () => (p.seen.length >= 2 ? true : undefined));
    await postEvent(stack, joined(gameId, 6));
    await waitFor('the live event', () => (p.seen.length >= 3 ? true : undefined));
    // A fence instead of a pause: anything stray (an early event, a repeat) would come before 7.
    await postEvent(stack, joined(gameId, 7));
    await waitFor('the fence event', () => (p.seen.some((e) => e.sequence === 7) ? true : undefined));
    assert.deepEqual(
      p.seen.map((e) => e.sequence),
      [4, 5, 6, 7],
    );
  });

  it('delivers user.<userId> events once each though PubNub repeats every one', async () => {
    const [gameId = ''] = await createGames(stack.pool, 1, {}, 1);
    const token = await grantToken(stack, 'notified', [gameId]);
    await stack.pubnub.setFaults({ deliveries: { duplicateRate: 1, uuids: ['notified'] } });
    const p = joinAsPlayer(stack, { userId: 'notified', gameId, token });
    players.push(p);
    const userEvents: UserEvent[] = [];
    p.session.on('userEvent', (e) => userEvents.push(e));
    await waitFor('connected', () => (p.session.state().connection === 'connected' ? true : undefined));
    for (const title of ['one', 'two'])
      await postEvent(stack, {
        type: 'user_notification',
        userId: 'notified',
        data: { kind: 'chat', title },
      });
    await postEvent(stack, joined(gameId, 1));
    await waitFor('both notifications and the game event', () =>
      userEvents.length >= 2 && p.seen.length >= 1 ? true : undefined,
    );
    // Fences instead of a pause: each channel delivers in order, so a repeat of the
    // earlier ones, were it let through, would come before these.
    await postEvent(stack, {
      type: 'user_notification',
      userId: 'notified',
      data: { kind: 'chat', title: 'fence' },
    });
    await postEvent(stack, joined(gameId, 2));
    await waitFor('the fences', () =>
      userEvents.some((e) => e.data['title'] === 'fence') && p.seen.some((e) => e.sequence === 2)
        ? true
        : undefined,
    );
    assert.deepEqual(
      userEvents.map((e) => e.data['title']),
      ['one', 'two', 'fence'],
    );
    assert.deepEqual(
      p.seen.map((e) => e.sequence),
      [1, 2],
    );
    assert.ok(stack.pubnub.stats().faults.deliveriesDuplicated >= 3, 'PubNub did repeat them');
  });

  it("reads nothing of another game with a game's token: PubNub refuses the subscription, the catch-up API answers 403", async () => {
    const [gameA = '', gameB = ''] = await createGames(stack.pool, 2, {}, 1);
    await postEvent(stack, joined(gameA, 1));
    await postEvent(stack, joined(gameB, 1));
    const token = await grantToken(stack, 'intruder', [gameA]);
    const p = joinAsPlayer(stack, { userId: 'intruder', gameId: gameB, token });
    players.push(p);
    const errors: Error[] = [];
    p.session.on('error', (e) => errors.push(e));
    await waitFor('the refusal', () => (errors.length > 0 ? true : undefined));
    assert.match(errors[0]?.message ?? '', /PubNub refused the subscription/);
    // The window is the test: nothing of game B arrives in it (there is no event to wait for).
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual(p.seen, [], "nothing of game B's events");
    assert.notEqual(p.session.state().connection, 'connected');

    const page = (gameId: string) =>
      fetchPage({
        baseUrl: stack.broadcaster.url,
        gameId,
        token,
        after: 0,
        limit: 10,
        timeoutMs: 5000,
        fetch: globalThis.fetch,
      });
    const refused = await page(gameB);
    assert.deepEqual(refused, { ok: false, error: 'catch-up answered 403 forbidden', retryable: false });
    const own = await page(gameA);
    assert.ok(own.ok && own.events.length === 1 && own.events[0]?.sequence === 1 && !own.hasMore);
  });
});
