import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import {
  createTestDatabase,
  startTcpProxy,
  waitFor,
  type TcpProxy,
  type TestDatabase,
} from '@sketchyaf/testkit';
import { startPubnubLocal, type PubnubLocalHandle } from '@sketchyaf/pubnub-local';
import type { BroadcasterService } from '../../services/broadcaster/src/index.ts';
import { exampleEvents } from '../../services/broadcaster/test/examples.ts';
import {
  adminToken,
  createGames,
  metricValue,
  post,
  startTestBroadcaster,
} from '../../services/broadcaster/test/helpers.ts';

/** One HTTP answer the client got. */
export interface Attempt {
  /** Date.now() when the request was sent. */
  at: number;
  ms: number;
  /** 0: no HTTP answer at all (connection failed). */
  status: number;
  retryAfter: string | null;
  code: string | null;
  cause: string | null;
  outcome: string | null;
  /** A 202 answered from the stored answer of the Idempotency-Key (an earlier attempt had written it). */
  replayed: boolean;
}

/** What one logical event (one marker) came to, after the client's retries. */
export interface EventFate {
  marker: string;
  final: 'accepted' | 'failed' | 'gave_up';
  attempts: Attempt[];
}

const maxAttempts = 100;

interface ErrorBody {
  error?: { code?: string; details?: { cause?: string; outcome?: string } };
}

/**
 * A game backend as the README asks it to behave: posts events at a fixed
 * rate (game events for a set of games, alternating with user events), each
 * logical request with its own Idempotency-Key, and retries a 503 with the
 * same key and payload after Retry-After. Every event carries a marker, so
 * the outbox can be counted against what the client was told.
 */
export class IngestClient {
  readonly fates: EventFate[] = [];
  #running = true;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #launcher: Promise<void>;

  constructor(url: string, games: readonly string[], everyMs: number) {
    this.#launcher = (async () => {
      for (let i = 0; this.#running; i += 1) {
        const marker = `m-${i}`;
        const game = games[i % games.length] ?? '';
        const events = exampleEvents(game);
        const body =
          i % 2 === 0
            ? { ...events['vote_cast'], data: { voterId: 'p2', drawingId: marker, round: 1 } }
            : { ...events['user_notification'], data: { kind: 'friend_invite', title: marker } };
        const run = this.#deliver(`${url}/v1/events`, marker, body);
        this.#inFlight.add(run);
        void run.finally(() => this.#inFlight.delete(run));
        await sleep(everyMs);
      }
    })();
  }

  async #deliver(url: string, marker: string, body: unknown): Promise<void> {
    const fate: EventFate = { marker, final: 'gave_up', attempts: [] };
    this.fates.push(fate);
    for (let n = 0; n < maxAttempts; n += 1) {
      const at = Date.now();
      const res = await post(url, body, { 'idempotency-key': `fault-run-${marker}` }).catch(() => undefined);
      const ms = Date.now() - at;
      const error = (res?.body as ErrorBody | undefined)?.error;
      const retryAfter = res?.headers.get('retry-after') ?? null;
      fate.attempts.push({
        at,
        ms,
        status: res?.status ?? 0,
        retryAfter,
        code: error?.code ?? null,
        cause: error?.details?.cause ?? null,
        outcome: error?.details?.outcome ?? null,
        replayed: res?.headers.get('idempotent-replayed') === 'true',
      });
      if (res?.status === 202) {
        fate.final = 'accepted';
        return;
      }
      if (res?.status !== 503 || retryAfter === null) {
        fate.final = 'failed';
        return;
      }
      await sleep(Number(retryAfter) * 1000);
    }
  }

  /** Stops sending new events and waits for the ones under way to reach their final answer. */
  async stop(): Promise<void> {
    this.#running = false;
    await this.#launcher;
    await Promise.all([...this.#inFlight]);
  }

  get attempts(): Attempt[] {
    return this.fates.flatMap((f) => f.attempts);
  }
}

export interface ProbeSample {
  at: number;
  ready: boolean;
  /** `GET /readyz` body's database check detail, when not ready. */
  detail: string;
  listener: number | undefined;
}

/** Samples /readyz and the LISTEN gauge every 200 ms. */
export class ProbeSampler {
  readonly samples: ProbeSample[] = [];
  #running = true;
  readonly #done: Promise<void>;

  constructor(url: string) {
    this.#done = (async () => {
      while (this.#running) {
        const at = Date.now();
        const [ready, metrics] = await Promise.all([
          fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5000) })
            .then(async (r) => ({ ok: r.ok, body: await r.json() }))
            .catch(() => ({ ok: false, body: null })),
          fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })
            .then((r) => r.text())
            .catch(() => ''),
        ]);
        const checks = (ready.body as { checks?: Record<string, { detail?: string }> } | null)?.checks;
        this.samples.push({
          at,
          ready: ready.ok,
          detail: checks?.['database']?.detail ?? '',
          listener: metricValue(metrics, 'sketchyaf_realtime_relay_listener_connected'),
        });
        await sleep(200);
      }
    })();
  }

  /** First sample at or after `from` that matches. */
  firstAfter(from: number, match: (s: ProbeSample) => boolean): ProbeSample | undefined {
    return this.samples.find((s) => s.at >= from && match(s));
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#done;
  }
}

/** A broadcaster (ingest and relay) whose every database connection goes through a TCP proxy. */
export interface DatabaseFaultStack {
  db: TestDatabase;
  /** Straight to the database, past the proxy: for setup and counting. */
  pool: pg.Pool;
  proxy: TcpProxy;
  pubnub: PubnubLocalHandle;
  broadcaster: BroadcasterService;
  games: string[];
  stop(): Promise<void>;
}

export async function startDatabaseFaultStack(
  games: number,
  env: Record<string, string> = {},
): Promise<DatabaseFaultStack> {
  const db = await createTestDatabase();
  const pool = new pg.Pool({ connectionString: db.url, max: 4 });
  const direct = new URL(db.url);
  const proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port) });
  const proxied = new URL(db.url);
  proxied.port = String(proxy.port);
  const pubnub = await startPubnubLocal({ port: 0 });
  const gameIds = await createGames(pool, games, { start: false });
  const broadcaster = await startTestBroadcaster(proxied.toString(), pubnub, env);
  return {
    db,
    pool,
    proxy,
    pubnub,
    broadcaster,
    games: gameIds,
    async stop() {
      await proxy.setMode('forward');
      await broadcaster.stop();
      await proxy.close();
      await pubnub.stop();
      await pool.end();
      await db.drop();
    },
  };
}

/** Admin route during the fault: GET /admin/dead-letters. */
export async function adminAnswer(url: string): Promise<{ status: number; retryAfter: string | null }> {
  const res = await fetch(`${url}/admin/dead-letters`, {
    headers: { authorization: `Bearer ${adminToken}` },
    signal: AbortSignal.timeout(20_000),
  });
  await res.arrayBuffer();
  return { status: res.status, retryAfter: res.headers.get('retry-after') };
}

export interface OutboxCount {
  /** Rows per marker. */
  rows: Map<string, number>;
  /** Games whose sequences are not exactly 1..n. */
  gappedGames: number;
}

export async function countOutbox(pool: pg.Pool): Promise<OutboxCount> {
  const { rows } = await pool.query<{ marker: string; n: number }>(
    `SELECT coalesce(payload->>'drawingId', payload->>'title') AS marker, count(*)::int AS n
     FROM realtime_outbox WHERE type IN ('vote_cast', 'user_notification') GROUP BY 1`,
  );
  const { rows: gaps } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (
       SELECT game_id FROM realtime_outbox WHERE game_id IS NOT NULL
       GROUP BY game_id HAVING max(sequence) <> count(*) OR min(sequence) <> 1) g`,
  );
  return { rows: new Map(rows.map((r) => [r.marker, r.n])), gappedGames: gaps[0]?.n ?? -1 };
}

/** Waits until the relay has published every outbox row; resolves with how long that took. */
export async function waitAllPublished(pool: pg.Pool, timeoutMs: number): Promise<number> {
  const started = Date.now();
  await waitFor(
    'every outbox row published',
    async () => {
      const { rows } = await pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM realtime_outbox WHERE published_at IS NULL',
      );
      return rows[0]?.n === 0 ? true : undefined;
    },
    { timeoutMs, intervalMs: 200 },
  );
  return Date.now() - started;
}

/** The client's view checked against the outbox. */
export interface Reconciliation {
  accepted: number;
  notAccepted: number;
  lost: string[];
  /** Written more than once: with an Idempotency-Key on every retry, there must be none. */
  duplicates: string[];
  /** Events with an attempt answered 503 "outcome unknown" (the connection broke mid-write). */
  outcomeUnknown: number;
  /** Accepted by a replay of the key's stored answer: an earlier attempt had written the event. */
  replayed: number;
  /** Not accepted yet in the outbox. */
  writtenButRefused: string[];
}

export function reconcile(fates: readonly EventFate[], outbox: OutboxCount): Reconciliation {
  const result: Reconciliation = {
    accepted: 0,
    notAccepted: 0,
    lost: [],
    duplicates: [],
    outcomeUnknown: 0,
    replayed: 0,
    writtenButRefused: [],
  };
  for (const fate of fates) {
    const rows = outbox.rows.get(fate.marker) ?? 0;
    if (fate.attempts.some((a) => a.outcome === 'unknown')) result.outcomeUnknown += 1;
    if (fate.attempts.some((a) => a.replayed)) result.replayed += 1;
    if (rows > 1) result.duplicates.push(fate.marker);
    if (fate.final === 'accepted') {
      result.accepted += 1;
      if (rows === 0) result.lost.push(fate.marker);
    } else {
      result.notAccepted += 1;
      // A request given up on may have been written (outcome unknown); the key makes a retry safe, not a refusal.
      if (rows > 0 && !fate.attempts.some((a) => a.outcome === 'unknown'))
        result.writtenButRefused.push(fate.marker);
    }
  }
  return result;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
