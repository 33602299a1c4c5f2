// Mocha root hooks: a test that leaves a service, a pool, a LISTEN connection,
// an HTTP server or a timer running fails, naming what it left, instead of the
// run hanging at its end with nobody to blame. Precise on purpose: only what
// was started during the test counts (not what a `before` hook started for the
// whole file), and the check waits for the end of the test's suite, so that a
// resource an `after` hook stops is not a leak.
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { liveResources, resourceMark, type LiveResource } from '@sketchyaf/core';

interface TimerRecord {
  readonly timer: NodeJS.Timeout;
  readonly kind: 'setTimeout' | 'setInterval';
  /** Where the test created it: `services/x/test/y.test.ts:12:5`. */
  readonly site: string;
}

interface Suspect {
  readonly test: string;
  readonly resources: readonly LiveResource[];
  readonly timers: readonly TimerRecord[];
}

/** Node marks a timer that fired (once) or was cleared; it holds nothing after that. */
function running(record: TimerRecord): boolean {
  const { timer } = record;
  return !(timer as unknown as { _destroyed?: boolean })._destroyed && timer.hasRef();
}

/** A frame in a test file (a spec or a helper next to it), not in the code under test or a library. */
function testSite(stack: string | undefined): string | null {
  const frame = stack?.split('\n')[1] ?? '';
  const location = /\(?((?:file:\/\/)?\/[^()]+):(\d+):(\d+)\)?$/.exec(frame.trim());
  if (!location?.[1]) return null;
  const path = location[1].startsWith('file://') ? fileURLToPath(location[1]) : location[1];
  if (!/\/test\//.test(path) || path.includes('/node_modules/')) return null;
  return `${relative(process.cwd(), path)}:${location[2]}:${location[3]}`;
}

let currentTimers: TimerRecord[] | null = null;
let mark = 0;
const pendingBySuite = new Map<Mocha.Suite, Suspect[]>();

/** Records timers a test file creates while a test runs; everything else goes straight through. */
function recording<F extends typeof setTimeout | typeof setInterval>(
  original: F,
  kind: TimerRecord['kind'],
): F {
  function wrapped(this: unknown, ...args: Parameters<F>): NodeJS.Timeout {
    const timer = (original as (...a: unknown[]) => NodeJS.Timeout).apply(this, args);
    if (currentTimers) {
      const holder: { stack?: string } = {};
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 1;
      Error.captureStackTrace(holder, wrapped);
      Error.stackTraceLimit = limit;
      const site = testSite(holder.stack);
      if (site) currentTimers.push({ timer, kind, site });
    }
    return timer;
  }
  // util.promisify.custom and the rest of the original's own properties, so that nothing else changes.
  return Object.defineProperties(wrapped, Object.getOwnPropertyDescriptors(original)) as unknown as F;
}

function describeLeak(
  suspect: Suspect,
  resources: readonly LiveResource[],
  timers: readonly TimerRecord[],
): string {
  const parts = [
    ...resources.map((r) => `${r.kind} ${r.name}`),
    ...timers.map((t) => `${t.kind} created at ${t.site}`),
  ];
  return `"${suspect.test}" left running: ${parts.join(', ')}`;
}

/** Installed once per suite that has a suspect: runs after the suite's own `after` hooks. */
function checkAtSuiteEnd(suite: Mocha.Suite): void {
  suite.afterAll('leak check', function () {
    const suspects = pendingBySuite.get(suite) ?? [];
    pendingBySuite.delete(suite);
    const still = liveResources();
    const leaks: string[] = [];
    for (const suspect of suspects) {
      const resources = suspect.resources.filter((r) => still.some((s) => s.seq === r.seq));
      const timers = suspect.timers.filter(running);
      // Cleared once reported: a leaked timer must not also hang the run.
      for (const t of timers) clearTimeout(t.timer);
      if (resources.length > 0 || timers.length > 0) leaks.push(describeLeak(suspect, resources, timers));
    }
    if (leaks.length > 0) throw new Error(`leak check: ${leaks.join('; ')}`);
  });
}

export const mochaHooks = {
  beforeAll(): void {
    globalThis.setTimeout = recording(globalThis.setTimeout, 'setTimeout');
    globalThis.setInterval = recording(globalThis.setInterval, 'setInterval');
  },
  beforeEach(): void {
    mark = resourceMark();
    currentTimers = [];
  },
  afterEach(this: Mocha.Context): void {
    const timers = (currentTimers ?? []).filter(running);
    currentTimers = null;
    const resources = liveResources(mark);
    const test = this.currentTest;
    if (!test?.parent || (timers.length === 0 && resources.length === 0)) return;
    const suite = test.parent;
    const suspects = pendingBySuite.get(suite);
    const suspect = { test: test.fullTitle(), resources, timers };
    if (suspects) suspects.push(suspect);
    else {
      pendingBySuite.set(suite, [suspect]);
      checkAtSuiteEnd(suite);
    }
  },
};
