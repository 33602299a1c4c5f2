// A player's connection cut while its game runs (pubnub-local cutSubscribers):
// after reconnecting, the player client delivers what it missed in order from
// the catch-up API, then live events, with no repeat. Prints the catch-up time.
import { strict as assert } from 'node:assert';
import PubNub from 'pubnub';
import { waitFor } from '@sketchyaf/testkit';
import type { CaughtUp, PlayerState } from '@sketchyaf/player-client';
import {
  createGames,
  grantToken,
  joinAsPlayer,
  outboxEvents,
  startGames,
  startPlayerStack,
  type Player,
  type PlayerStack,
} from '../../packages/player-client/test/stack.ts';

/** Phase length (s): the game's events keep coming during the cut and after it. */
const phaseSeconds = 1;

async function cutWhileGameRuns(stack: PlayerStack, cutMs: number): Promise<void> {
  // The game outlives the cut by about 8 s; 4 phases a round.
  const rounds = Math.ceil((cutMs / 1000 + 12) / (4 * phaseSeconds));
  const eventsInGame = 4 * rounds + 1;
  const [gameId = ''] = await createGames(
    stack.pool,
    1,
    { briefing: phaseSeconds, drawing: phaseSeconds, voting: phaseSeconds, results: phaseSeconds },
    rounds,
  );
  const userId = `cut-${cutMs}`;
  const token = await grantToken(stack, userId, [gameId]);
  const states: (PlayerState & { at: number })[] = [];
  const catchUps: (CaughtUp & { at: number })[] = [];
  const arrivals: { sequence: number; at: number }[] = [];
  let player: Player | undefined;
  try {
    player = joinAsPlayer(
      stack,
      { userId, gameId, token, gapWaitMs: 500, reconnectMinMs: 1000, reconnectMaxMs: 5000 },
      // The SDK gives up on a dead connection after one retry; the player client then asks it to reconnect.
      { retryConfiguration: PubNub.LinearRetryPolicy({ delay: 2, maximumRetry: 1 }) },
    );
    const p = player;
    p.session.on('state', (s) => states.push({ ...s, at: Date.now() }));
    p.session.on('caughtUp', (c) => catchUps.push({ ...c, at: Date.now() }));
    p.session.on('event', (e) => arrivals.push({ sequence: e.sequence, at: Date.now() }));
    await waitFor('the player to join', () =>
      p.session.state().connection === 'connected' ? true : undefined,
    );
    await startGames(stack.pool, [gameId]);
    await waitFor('the game under way', () => (p.seen.length >= 3 ? true : undefined), { timeoutMs: 10_000 });

    await stack.pubnub.setFaults({ cutSubscribers: { durationMs: cutMs, uuids: [userId] } });
    const cutAt = Date.now();
    const lastBeforeCut = p.session.state().lastSequence;
    await waitFor(
      'the client to see the connection drop',
      () => (p.session.state().connection === 'disconnected' ? true : undefined),
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    const cutEnds = cutAt + cutMs;
    await waitFor('every event of the game', () => (p.seen.length >= eventsInGame ? true : undefined), {
      timeoutMs: cutMs + 60_000,
      intervalMs: 200,
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));

    assert.deepEqual(
      p.seen.map((e) => ({ eventId: e.eventId, sequence: e.sequence })),
      await outboxEvents(stack.pool, gameId),
      'the whole game, once each, in order',
    );
    const reconnected = states.find((s) => s.at >= cutEnds && s.connection === 'connected');
    assert.ok(reconnected, 'connected again after the cut');
    const missed = arrivals.filter((a) => a.sequence > lastBeforeCut && a.at < reconnected.at);
    assert.deepEqual(missed, [], 'nothing delivered while cut off');
    const catchUp = catchUps.find((c) => c.reason === 'reconnect' && c.at >= reconnected.at);
    assert.ok(catchUp, 'a catch-up on reconnect');
    const filled = arrivals.filter((a) => a.at >= reconnected.at && a.at <= catchUp.at);
    assert.ok(
      filled.length >= Math.floor(cutMs / 1000 / phaseSeconds) - 2,
      `the cut's events came by catch-up (${filled.length})`,
    );
    const live = arrivals.filter((a) => a.at > catchUp.at);
    assert.ok(live.length >= 2, 'then live events');
    console.log(
      `      cut ${cutMs / 1000} s: reconnected ${reconnected.at - cutEnds} ms after the cut ended; catch-up of ${filled.length} missed events (${catchUp.fetched} fetched) took ${catchUp.tookMs} ms; then ${live.length} live events`,
    );
  } finally {
    player?.stop();
  }
}

describe('player client cut off while its game runs (pubnub-local cutSubscribers)', function () {
  let stack: PlayerStack;
  before(async function () {
    this.timeout(60_000);
    stack = await startPlayerStack();
  });
  after(async function () {
    this.timeout(60_000);
    await stack?.stop();
  });

  it('30 s: after reconnecting, the missed events in order, then live ones, no repeat', async function () {
    this.timeout(150_000);
    await cutWhileGameRuns(stack, 30_000);
  });

  it('5 minutes: the same', async function () {
    this.timeout(480_000);
    await cutWhileGameRuns(stack, 300_000);
  });
});
