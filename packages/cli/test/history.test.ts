import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { createTestDatabase, waitFor, type TestDatabase } from '@sketchyaf/testkit';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import type { BroadcasterService } from '@sketchyaf/broadcaster';
import { adminToken, createGames, startTestBroadcaster } from '@sketchyaf/broadcaster/testing';
import { cliVersion, exitCodes, runCli, type HistoryPage } from '../src/index.ts';

const bin = fileURLToPath(new URL('../bin/sketchyaf-realtime.ts', import.meta.url));
const run = promisify(execFile);

/** The CLI in-process: its exit code and what it printed. */
async function cli(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { env, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('sketchyaf-realtime history (a real broadcaster on a test database)', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let pool: pg.Pool;
  let pubnub: PubnubLocalHandle;
  let service: BroadcasterService;
  let gameId = '';

  before(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    pubnub = await startPubnubLocal({ port: 0 });
    service = await startTestBroadcaster(db.url, pubnub);
    [gameId = ''] = await createGames(pool, 1, { start: true });
    await pool.query("UPDATE games SET status = 'cancelled' WHERE id = $1", [gameId]);
    await waitFor('both events published', async () => {
      const { rows } = await pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM realtime_outbox WHERE game_id = $1 AND published_at IS NOT NULL',
        [gameId],
      );
      return rows[0]?.n === 2 ? true : undefined;
    });
  });
  after(async () => {
    await service.stop();
    await pubnub.stop();
    await pool.end();
    await db.drop();
  });

  it("prints the game's life as JSON that parses, from the installed bin", async () => {
    // The bin as the image runs it (a child process, node on PATH), the token from the pod's environment.
    const { stdout } = await run(bin, ['history', gameId, '--output', 'json', '--url', service.url], {
      env: { ...process.env, BROADCAST_ADMIN_TOKENS: `${adminToken},another-admin-token-0123` },
    });
    const page = JSON.parse(stdout) as HistoryPage;
    assert.equal(page.gameId, gameId);
    assert.deepEqual(
      page.transitions.map((t) => [t.fromStatus, t.toStatus]),
      [
        ['waiting', 'briefing'],
        ['briefing', 'cancelled'],
      ],
    );
    assert.deepEqual(
      page.events.map((e) => [e.sequence, e.delivery]),
      [
        [1, 'published'],
        [2, 'published'],
      ],
    );
    assert.equal(page.next, null);
  });

  it('prints a table of transitions and events, and pages with --limit', async () => {
    const text = await cli(['history', gameId, '--url', service.url, '--token', adminToken]);
    assert.equal(text.code, exitCodes.ok, text.err);
    assert.match(text.out, /transitions \(2\)/);
    assert.match(text.out, /waiting\s+briefing/);
    assert.match(text.out, /briefing\s+cancelled/);
    assert.match(text.out, /events \(2\)/);
    assert.match(text.out, /delivery: 2 published/);
    const paged = await cli(['history', gameId, '--url', service.url, '--token', adminToken, '--limit', '1']);
    assert.match(paged.out, /more: add --after-transition \d+ --after-event \d+/);
  });

  it('answers 4 for an unknown game, 1 for a refused token or no broadcaster, 2 for bad usage', async () => {
    const unknown = await cli(
      ['history', '6f0b3a52-0000-4000-8000-000000000000', '--output', 'json', '--url', service.url],
      { SKETCHYAF_ADMIN_TOKEN: adminToken },
    );
    assert.equal(unknown.code, exitCodes.notFound);
    assert.equal((JSON.parse(unknown.out) as { error: { code: string } }).error.code, 'not_found');
    const refused = await cli([
      'history',
      gameId,
      '--url',
      service.url,
      '--token',
      'not-an-admin-token-012345',
    ]);
    assert.equal(refused.code, exitCodes.failed);
    assert.match(refused.err, /HTTP 403/);
    const down = await cli(['history', gameId, '--url', 'http://127.0.0.1:1', '--token', adminToken]);
    assert.equal(down.code, exitCodes.failed);
    assert.match(down.err, /unreachable/);
    assert.equal((await cli(['history', 'not-a-uuid', '--token', adminToken])).code, exitCodes.usage);
    assert.equal((await cli(['history', gameId])).code, exitCodes.usage, 'no token anywhere');
    assert.equal((await cli(['history', gameId, '--token', 'x', '--no-wait'])).code, exitCodes.usage);
  });

  it('--version, in text and JSON', async () => {
    assert.deepEqual(await cli(['--version']), { code: 0, out: `sketchyaf-realtime ${cliVersion}`, err: '' });
    assert.deepEqual(JSON.parse((await cli(['--version', '--output', 'json'])).out), { version: cliVersion });
    assert.match(cliVersion, /^\d+\.\d+\.\d+/);
  });
});
