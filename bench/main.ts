// `npm run bench [-- <name> ...]`: runs the named benchmarks (all by default).
// Benchmarks print their figures; they assert nothing and never run in `npm test`.
const benches: Record<string, () => Promise<{ run(argv: string[]): Promise<void> }>> = {
  timers: () => import('./timers.ts'),
  broadcast: () => import('./broadcast.ts'),
  saturation: () => import('./saturation.ts'),
  compare: () => import('./timerCompare.ts'),
  scale: () => import('./timerScale.ts'),
  floor: () => import('./timerFloor.ts'),
  notify: () => import('./notifyFloor.ts'),
};

const requested = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = requested.length > 0 ? requested : Object.keys(benches);
const unknown = names.filter((n) => !(n in benches));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(benches).join(', ')}`);
  process.exit(2);
}
for (const name of names) {
  const load = benches[name];
  if (!load) continue;
  console.log(`\n=== bench: ${name} (${new Date().toISOString()}) ===`);
  // One benchmark failing does not cost the others' figures; the exit code still says so.
  try {
    await (await load()).run(process.argv.slice(2));
  } catch (err) {
    console.error(`bench ${name} failed:`, err);
    process.exitCode = 1;
  }
}
