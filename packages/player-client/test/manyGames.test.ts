import { strict as assert } from 'node:assert';
import { waitFor } from '@sketchyaf/testkit';
import type { CaughtUp } from '../src/index.ts';
import {
  createGames,
  grantToken,
  joinAsPlayer,
  outboxEvents,
  startGames,
  startPlayerStack,
  type Player,
  type PlayerStack,
} from './stack.ts';

const games = 200;
const rounds = 2;
/** phase_changed events of a game from briefing to completed. */
const eventsPerGame = 4 * rounds + 1;

describe('player client: 200 games through pubnub-local with 5 % of deliveries lost and 5 % repeated', function () {
  this.timeout(120_000);
  let stack: PlayerStack;
  const players: Player[] = [];

  before(async () => {
    stack = await startPlayerStack();
  });
  after(async () => {
    for (const p of players) p.stop();
    await stack?.stop();
  });

  it('each game application sees every event of the outbox exactly once and in order', async () => {
    await stack.pubnub.setFaults({ deliveries: { dropRate: 0.05, duplicateRate: 0.05, seed: 19 } });
    const ids = await createGames(
      stack.pool,
      games,
      { briefing: 0.3, drawing: 0.5, voting: 0.4, results: 0.3 },
      rounds,
    );
    const catchUps: CaughtUp[] = [];
    const errors: Error[] = [];
    for (const [i, gameId] of ids.entries()) {
      const userId = `player-${i}`;
      const token = await grantToken(stack, userId, [gameId]);
      const player = joinAsPlayer(stack, { userId, gameId, token, gapWaitMs: 500, idleCheckMs: 1500 });
      player.session.on('caughtUp', (c) => catchUps.push(c));
      player.session.on('error', (e) => errors.push(e));
      players.push(player);
    }
    await waitFor(
      'every player connected and caught up on join',
      () =>
        players.every(
          (p) => p.session.state().connection === 'connected' && p.session.state().catchUp === 'idle',
        )
          ? true
          : undefined,
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const started = Date.now();
    await startGames(stack.pool, ids);

    await waitFor(
      `${games * eventsPerGame} events delivered`,
      () => (players.every((p) => p.seen.length >= eventsPerGame) ? true : undefined),
      { timeoutMs: 90_000, intervalMs: 200 },
    );
    const tookMs = Date.now() - started;
    // A moment for a late repeat to show up if the client let one through.
    await new Promise((resolve) => setTimeout(resolve, 1000));

    for (const p of players) {
      const outbox = await outboxEvents(stack.pool, p.gameId);
      assert.equal(outbox.length, eventsPerGame, `${p.gameId}: the outbox holds the whole game`);
      assert.deepEqual(
        p.seen.map((e) => ({ eventId: e.eventId, sequence: e.sequence })),
        outbox,
        `${p.userId} saw exactly the outbox, in order`,
      );
    }
    assert.deepEqual(errors, []);
    const { faults } = stack.pubnub.stats();
    assert.ok(faults.deliveriesDropped > 0 && faults.deliveriesDuplicated > 0, 'the faults struck');
    const byReason = new Map<string, number>();
    for (const c of catchUps) byReason.set(c.reason, (byReason.get(c.reason) ?? 0) + 1);
    const filling = catchUps.filter((c) => c.reason === 'gap' || c.reason === 'idle');
    assert.ok(filling.length > 0, 'lost deliveries were filled from the catch-up API');
    const took = filling.map((c) => c.tookMs).sort((a, b) => a - b);
    console.log(
      `      ${games} games, ${games * eventsPerGame} events in ${tookMs} ms; pubnub-local dropped ${faults.deliveriesDropped} and repeated ${faults.deliveriesDuplicated} deliveries; catch-ups ${JSON.stringify(Object.fromEntries(byReason))}, gap/idle catch-up median ${took[Math.floor(took.length / 2)]} ms, max ${took.at(-1)} ms`,
    );
  });
});
