// pg-boss scheduled jobs (startAfter = the deadline) in the same PostgreSQL.
// The worker fetches batches and advances each batch with one
// compare-and-set, then inserts the next phases' jobs. Settings (stated in
// docs/performance.md): pollingIntervalSeconds 0.5 (the minimum pg-boss
// allows; its default is 2), batchSize 500 with burstWhenBatchFull, pg-boss's
// defaults otherwise.
import { PgBoss, type Job } from 'pg-boss';
import type pg from 'pg';
import { advance, runningDeadlines, timerPool, type ContenderFactory } from './contender.ts';

interface TimerJob {
  gameId: string;
  version: string;
  deadline: number;
}

const queueName = 'phase-timers';

export const pgBoss: ContenderFactory = (settings, onTransition) => {
  const pollingIntervalSeconds = (settings.options['pollMs'] ?? 500) / 1000;
  const batchSize = settings.options['batchSize'] ?? 500;
  let pool: pg.Pool | undefined;
  let boss: PgBoss | undefined;

  const insert = async (jobs: readonly TimerJob[]): Promise<void> => {
    if (!boss) return;
    for (let i = 0; i < jobs.length; i += 1000) {
      await boss.insert(
        queueName,
        jobs.slice(i, i + 1000).map((j) => ({ data: j, startAfter: new Date(j.deadline) })),
      );
    }
  };

  const handle = async (jobs: Job<TimerJob>[]): Promise<void> => {
    if (!pool) return;
    const advanced = await advance(
      pool,
      jobs.map((j) => ({ gameId: j.data.gameId, version: j.data.version })),
    );
    const now = Date.now();
    const byId = new Map(jobs.map((j) => [j.data.gameId, j.data]));
    const next: TimerJob[] = [];
    for (const row of advanced) {
      const served = byId.get(row.id);
      if (served) onTransition(served.deadline, now - served.deadline);
      if (row.nextAt !== null) next.push({ gameId: row.id, version: row.version, deadline: row.nextAt });
    }
    await insert(next);
  };

  return {
    description: `pg-boss jobs with startAfter, polling every ${pollingIntervalSeconds} s, batches of ${batchSize} (burstWhenBatchFull)`,
    async prepare() {
      pool = timerPool(settings.databaseUrl, 4);
      boss = new PgBoss({ connectionString: settings.databaseUrl, max: 4 });
      boss.on('error', (err: unknown) => {
        console.error('pg-boss:', err);
      });
      await boss.start();
      await boss.createQueue(queueName);
      await boss.work<TimerJob>(
        queueName,
        { batchSize, pollingIntervalSeconds, burstWhenBatchFull: true },
        handle,
      );
    },
    async begin() {
      if (!pool) return;
      const all = await runningDeadlines(pool);
      await insert(all.map((d) => ({ gameId: d.gameId, version: d.version, deadline: d.at })));
    },
    async stop() {
      await boss?.stop({ graceful: true, timeout: 5000 });
      await pool?.end();
    },
  };
};
