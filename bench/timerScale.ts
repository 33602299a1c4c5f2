// `npm run bench -- scale`: our timer monitor at 1k, 10k, 100k and 300k active
// games (60 s phases, so games/60 transitions per second), in one run on one
// PostgreSQL: lag percentiles, CPU (the monitor's process and PostgreSQL's)
// and memory at each size, printed and plotted to docs/timer-scale.svg.
// Sizes grow in place: each step adds games (their briefing ends at a
// uniformly random moment of the next 60 s, after 5 s), then measures for
// W seconds. The monitor runs in its own process with production defaults.
// Flags: --scale-sizes=1000,10000,100000,300000 --scale-window=20 --scale-svg=docs/timer-scale.svg
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { timerMonitorNodeFlags } from '@sketchyaf/timer-monitor';
import { startBenchPostgres } from './lib/benchPostgres.ts';
import { treeCpuSeconds } from './lib/procStats.ts';
import { ms, percentile, table } from './lib/stats.ts';
import { chartSvg, compact } from './lib/svgChart.ts';
import { createWaitingGames, postmasterPid, startWaitingGames } from './lib/timerGames.ts';
import { startTimerWorker } from './lib/timerWorkerClient.ts';

const sleep = (t: number): Promise<void> => new Promise((r) => setTimeout(r, t));
const root = new URL('..', import.meta.url);

export interface ScalePoint {
  games: number;
  transitions: number;
  perSecond: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  /** % of one core, over the window. */
  monitorCpu: number;
  postgresCpu: number;
  rssMiB: number;
  heapMiB: number;
  /** RSS growth per game from the smallest size (NaN at the smallest): what holding one more game costs. */
  rssBytesPerGame: number;
  heapBytesPerGame: number;
  /** Seconds to create and start the step's new games (set-up, not measured). */
  setupS: number;
}

/** Growth over the smallest size per game added: the baseline (code, libraries) drops out. */
function perGame(
  first: ScalePoint | undefined,
  games: number,
  rss: number,
  heapUsed: number,
): { rssBytesPerGame: number; heapBytesPerGame: number } {
  if (!first || games <= first.games) return { rssBytesPerGame: Number.NaN, heapBytesPerGame: Number.NaN };
  const added = games - first.games;
  return {
    rssBytesPerGame: (rss - first.rssMiB * 2 ** 20) / added,
    heapBytesPerGame: (heapUsed - first.heapMiB * 2 ** 20) / added,
  };
}

const bytes = (v: number): string => (Number.isNaN(v) ? '-' : `${v.toFixed(0)} B`);

export function scaleSvg(points: readonly ScalePoint[], subtitle: string): string {
  const x = (p: ScalePoint): number => p.games;
  const msLabel = (v: number): string => (v >= 100 ? `${v.toFixed(0)} ms` : `${v.toPrecision(2)} ms`);
  return chartSvg('Timer monitor: scale curve', subtitle, [
    {
      title: 'Lag, deadline to commit',
      xLabel: 'active games (60 s phases)',
      yLabel: 'ms (log)',
      xLog: true,
      yLog: true,
      series: [
        { name: 'p50', color: '#1f77b4', points: points.map((p) => [x(p), p.p50]), label: msLabel },
        { name: 'p99', color: '#d62728', points: points.map((p) => [x(p), p.p99]), label: msLabel },
        { name: 'max', color: '#7f7f7f', points: points.map((p) => [x(p), p.max]), label: msLabel },
      ],
    },
    {
      title: 'CPU',
      xLabel: 'active games (60 s phases)',
      yLabel: '% of one core',
      xLog: true,
      yLog: false,
      series: [
        {
          name: 'timer monitor',
          color: '#2ca02c',
          points: points.map((p) => [x(p), p.monitorCpu]),
          label: (v) => `${v.toFixed(1)}%`,
        },
        {
          name: 'PostgreSQL',
          color: '#9467bd',
          points: points.map((p) => [x(p), p.postgresCpu]),
          label: (v) => `${v.toFixed(1)}%`,
        },
      ],
    },
    {
      title: 'Memory of the timer monitor',
      xLabel: 'active games (60 s phases)',
      yLabel: 'MiB',
      xLog: true,
      yLog: false,
      series: [
        {
          name: 'RSS',
          color: '#ff7f0e',
          points: points.map((p) => [x(p), p.rssMiB]),
          label: (v) => v.toFixed(0),
        },
        {
          name: 'JS heap used',
          color: '#8c564b',
          points: points.map((p) => [x(p), p.heapMiB]),
          label: (v) => v.toFixed(0),
        },
      ],
    },
  ]);
}

export async function scale(argv: string[]): Promise<ScalePoint[]> {
  const { values } = parseArgs({
    args: argv.filter((a) => a.startsWith('--')),
    options: {
      'scale-sizes': { type: 'string', default: '1000,10000,100000,300000' },
      'scale-window': { type: 'string', default: '20' },
      'scale-svg': { type: 'string', default: 'docs/timer-scale.svg' },
    },
    strict: false,
  });
  const sizes = String(values['scale-sizes']).split(',').map(Number);
  const windowS = Number(values['scale-window']);
  console.log(`scale: ${sizes.map(compact).join(', ')} active games, ${windowS} s measured at each size`);
  const server = await startBenchPostgres('scale');
  const pool = new pg.Pool({ connectionString: server.url(), max: 4 });
  pool.on('error', () => undefined);
  const worker = await startTimerWorker(
    'ours',
    { databaseUrl: server.url(), redisUrl: '', options: {} },
    timerMonitorNodeFlags,
  );
  const points: ScalePoint[] = [];
  try {
    const pgPid = await postmasterPid(pool);
    let current = 0;
    for (const size of sizes) {
      const t0 = Date.now();
      await createWaitingGames(pool, size - current, { minS: 5, spreadS: 60, phaseS: 60, rounds: 40 });
      await startWaitingGames(pool);
      await worker.begin();
      const setupS = (Date.now() - t0) / 1000;
      current = size;
      await sleep(5000);
      await worker.mark();
      const pgBefore = treeCpuSeconds(pgPid);
      await sleep(windowS * 1000);
      const report = await worker.collect();
      const pgCpu = treeCpuSeconds(pgPid) - pgBefore;
      const lags = report.transitions.map(([, lag]) => lag);
      const point: ScalePoint = {
        games: size,
        transitions: lags.length,
        perSecond: lags.length / report.seconds,
        p50: percentile(lags, 50),
        p99: percentile(lags, 99),
        p999: percentile(lags, 99.9),
        max: lags.length > 0 ? Math.max(...lags) : Number.NaN,
        monitorCpu: (report.cpuSeconds / report.seconds) * 100,
        postgresCpu: (pgCpu / report.seconds) * 100,
        rssMiB: report.rss / 2 ** 20,
        heapMiB: report.heapUsed / 2 ** 20,
        ...perGame(points[0], size, report.rss, report.heapUsed),
        setupS,
      };
      points.push(point);
      console.log(
        `  ${compact(size)} games: ${point.transitions} transitions (${point.perSecond.toFixed(0)}/s), lag p50 ${ms(point.p50)}, p99 ${ms(point.p99)}, max ${ms(point.max)}; monitor CPU ${point.monitorCpu.toFixed(1)}%, PostgreSQL ${point.postgresCpu.toFixed(1)}%, RSS ${point.rssMiB.toFixed(0)} MiB${Number.isNaN(point.rssBytesPerGame) ? '' : ` (${point.rssBytesPerGame.toFixed(0)} bytes per game over the smallest size)`} (set-up ${setupS.toFixed(0)} s)`,
      );
    }
  } finally {
    await worker.stop();
    await pool.end();
    await server.stop();
  }

  console.log('');
  console.log(
    table([
      [
        'active games',
        'transitions/s',
        'lag p50',
        'lag p99',
        'lag p99.9',
        'lag max',
        'monitor CPU',
        'PostgreSQL CPU',
        'monitor RSS',
        'heap used',
        'RSS per game',
        'heap per game',
      ],
      ...points.map((p) => [
        p.games.toLocaleString('en-US'),
        p.perSecond.toFixed(0),
        ms(p.p50),
        ms(p.p99),
        ms(p.p999),
        ms(p.max),
        `${p.monitorCpu.toFixed(1)}%`,
        `${p.postgresCpu.toFixed(1)}%`,
        `${p.rssMiB.toFixed(0)} MiB`,
        `${p.heapMiB.toFixed(0)} MiB`,
        bytes(p.rssBytesPerGame),
        bytes(p.heapBytesPerGame),
      ]),
    ]),
  );
  const svgPath = resolve(new URL(root).pathname, String(values['scale-svg']));
  const subtitle = `npm run bench -- scale, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), ${windowS} s per size, shared machine`;
  await writeFile(svgPath, scaleSvg(points, subtitle));
  console.log(`\n  plot: ${svgPath}`);
  return points;
}

export async function run(argv: string[]): Promise<void> {
  await scale(argv);
}
