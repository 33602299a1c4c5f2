/**
 * Node/V8 flags the timer monitor runs with in production: the chart's
 * container args, the package's start script and the benches use these (a
 * test checks that they agree), so that the benches measure what ships.
 *
 * The monitor holds its deadlines off the JS heap (typed arrays), so its live
 * heap is small (about 25 MiB at 100,000 games) while its allocation rate is
 * high (row objects of reloads and batch answers). V8's defaults size the heap
 * for throughput: a 16 MiB semi-space (a young generation of up to 48 MiB) and
 * an old generation that may grow to several times what is live before it is
 * collected. RSS then follows those limits, not the deadlines held.
 * - `--max-semi-space-size=1`: short-lived rows die in a 1 MiB nursery; more
 *   scavenges, each cheap, since almost nothing in it is still alive.
 * - `--max-old-space-size=256`: a heap limit this small also caps V8's heap
 *   growing factor (near 1.3 instead of up to 4), so the old generation stays
 *   close to what is live. 256 MiB is several times the live heap at 300,000
 *   games and under the chart's 384 MiB container limit: beyond it the process
 *   would die of heap exhaustion rather than be OOM-killed without a trace.
 */
export const timerMonitorNodeFlags: readonly string[] = [
  '--max-semi-space-size=1',
  '--max-old-space-size=256',
];
