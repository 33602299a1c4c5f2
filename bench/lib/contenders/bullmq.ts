// BullMQ delayed jobs: one job per running phase (jobId <game>-v<version>, so a
// repeat is ignored), delayed until the deadline. The worker advances its
// game with the same compare-and-set and enqueues the next phase's job.
// Settings (stated in docs/performance.md): worker concurrency 20 with a pg
// pool of 20, one connection per job in flight (BullMQ's default concurrency
// is 1, too few for I/O-bound jobs at these rates; 10 measured about the same,
// 5 fell behind, 100 and 300 were slower from contention), completed jobs
// removed, BullMQ's defaults otherwise (the worker promotes delayed jobs
// itself; there is no QueueScheduler since BullMQ 2).
import { Queue, Worker, type Job } from 'bullmq';
import type pg from 'pg';
import { advance, runningDeadlines, timerPool, type ContenderFactory } from './contender.ts';

interface TimerJob {
  gameId: string;
  version: string;
  deadline: number;
}

const queueName = 'phase-timers';

function connectionOf(redisUrl: string): { host: string; port: number } {
  const url = new URL(redisUrl);
  return { host: url.hostname, port: Number(url.port) };
}

export const bullmq: ContenderFactory = (settings, onTransition) => {
  const concurrency = settings.options['concurrency'] ?? 20;
  const poolMax = settings.options['poolMax'] ?? 20;
  const connection = connectionOf(settings.redisUrl);
  let pool: pg.Pool | undefined;
  let queue: Queue<TimerJob> | undefined;
  let worker: Worker<TimerJob> | undefined;

  const jobOf = (j: TimerJob) => ({
    name: 'phase',
    data: j,
    opts: {
      jobId: `${j.gameId}-v${j.version}`,
      delay: Math.max(0, j.deadline - Date.now()),
      removeOnComplete: true,
      removeOnFail: 1000,
      attempts: 5,
      backoff: { type: 'fixed', delay: 5 },
    },
  });

  const process = async (job: Job<TimerJob>): Promise<void> => {
    if (!pool || !queue) return;
    const { gameId, version, deadline } = job.data;
    const [row] = await advance(pool, [{ gameId, version }]);
    if (!row) {
      // Changed meanwhile (nothing to do), or fired a moment before the database's clock
      // reached the deadline: then fail, and BullMQ retries after its backoff.
      const { rows } = await pool.query<{ early: boolean }>(
        `SELECT phase_expires_at > clock_timestamp() AS early FROM games WHERE id = $1 AND version = $2`,
        [gameId, version],
      );
      if (rows[0]?.early) throw new Error('not due yet by the database clock');
      return;
    }
    onTransition(deadline, Date.now() - deadline);
    if (row.nextAt !== null) {
      const next = jobOf({ gameId, version: row.version, deadline: row.nextAt });
      await queue.add(next.name, next.data, next.opts);
    }
  };

  return {
    description: `BullMQ delayed jobs, worker concurrency ${concurrency}, pg pool ${poolMax}, removeOnComplete`,
    async prepare() {
      pool = timerPool(settings.databaseUrl, poolMax);
      queue = new Queue<TimerJob>(queueName, { connection });
      await queue.waitUntilReady();
      worker = new Worker<TimerJob>(queueName, process, { connection, concurrency, autorun: true });
      worker.on('error', (err) => {
        console.error('bullmq worker:', err.message);
      });
      await worker.waitUntilReady();
    },
    async begin() {
      if (!pool || !queue) return;
      const all = await runningDeadlines(pool);
      for (let i = 0; i < all.length; i += 1000) {
        await queue.addBulk(
          all.slice(i, i + 1000).map((d) => jobOf({ gameId: d.gameId, version: d.version, deadline: d.at })),
        );
      }
    },
    async stop() {
      await worker?.close();
      await queue?.close();
      await pool?.end();
    },
  };
};
