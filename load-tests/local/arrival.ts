// An arrival scenario (constant or ramping rate) with autocannon. autocannon
// limits the rate per connection in one-second windows (each connection sends
// its share of a second back to back, then waits), a closed loop where k6's
// arrival-rate executors are open. To come closer, every run of seconds with
// the same planned rate is split into `slices` autocannon instances started
// 1/slices of a second apart, so the load arrives in that many bursts a
// second, over enough connections (at most the scenario's maxVUs) that each
// sends a few requests a second. The latencies are still an upper bound of
// what k6 would see. Each instance sends a fixed amount (its rate x seconds)
// and is stopped one second after its run should have ended: what it did not
// send by then counts as dropped iterations.
import autocannon from 'autocannon';
import { arrivalBody, plannedIterations, ratePerSecond, type ArrivalScenario } from '../scenarios.ts';

export interface ArrivalTarget {
  broadcasterUrl: string;
  token: string;
  gameIds: readonly string[];
}

export interface ArrivalResult {
  /** Response times of every answered request, ms. */
  latenciesMs: number[];
  /** Requests answered with a status other than 202, or not answered (error, timeout). */
  failed: number;
  /** Requests made: answered, or failed with an error or a timeout. */
  total: number;
  planned: number;
  /** Planned requests the generator did not start in their second (k6: dropped_iterations). */
  dropped: number;
}

/** Bursts per second: autocannon instances per run of equal rate. */
export const slices = 10;
/** Requests a connection sends per second, at most (back to back). */
const perConnection = 4;

/** Runs of equal rate: [startSecond, seconds, rate]. */
export function segments(rates: readonly number[]): { start: number; seconds: number; rate: number }[] {
  const out: { start: number; seconds: number; rate: number }[] = [];
  rates.forEach((rate, second) => {
    const last = out[out.length - 1];
    if (last && last.rate === rate) last.seconds += 1;
    else out.push({ start: second, seconds: 1, rate });
  });
  return out;
}

/**
 * Connections for one instance's rate: a divisor of the rate, so that every
 * connection gets the same share of it (autocannon gives each connection an
 * equal share of the amount, and a connection with a smaller share of the
 * rate would need longer than the run), the smallest one that keeps each
 * connection at `perConnection` requests a second or fewer, within `cap`.
 */
export function connectionsFor(rate: number, cap: number): number {
  const divisors: number[] = [];
  for (let d = 1; d <= rate; d += 1) if (rate % d === 0) divisors.push(d);
  const wanted = Math.ceil(rate / perConnection);
  return divisors.find((d) => d >= wanted && d <= cap) ?? [...divisors].reverse().find((d) => d <= cap) ?? 1;
}

/** A rate split over `slices` instances (the remainder to the first ones), each with its connections. */
export function split(
  rate: number,
  maxVUs: number,
): { offsetMs: number; rate: number; connections: number }[] {
  const out: { offsetMs: number; rate: number; connections: number }[] = [];
  for (let i = 0; i < slices; i += 1) {
    const r = Math.floor(rate / slices) + (i < rate % slices ? 1 : 0);
    if (r === 0) continue;
    out.push({
      offsetMs: (i * 1000) / slices,
      rate: r,
      connections: connectionsFor(r, Math.floor(maxVUs / slices)),
    });
  }
  return out;
}

export async function runArrival(s: ArrivalScenario, target: ArrivalTarget): Promise<ArrivalResult> {
  const latenciesMs: number[] = [];
  let failed = 0;
  let total = 0;
  let next = 0;
  const url = `${target.broadcasterUrl}/v1/${s.endpoint}`;
  const started = performance.now();
  const one = async (
    startMs: number,
    seconds: number,
    part: { rate: number; connections: number },
  ): Promise<void> => {
    const wait = started + startMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        {
          url,
          method: 'POST',
          connections: part.connections,
          overallRate: part.rate,
          amount: part.rate * seconds,
          timeout: 10,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${target.token}` },
          requests: [{ setupRequest: (req) => ({ ...req, body: arrivalBody(s, target.gameIds, next++) }) }],
        },
        (err: unknown, res) => {
          clearTimeout(timer);
          if (err) reject(err instanceof Error ? err : new Error('autocannon failed', { cause: err }));
          else resolve(res);
        },
      );
      instance.on('response', (_client, statusCode, _bytes, responseTime) => {
        latenciesMs.push(responseTime);
        total += 1;
        if (statusCode !== 202) failed += 1;
      });
      const timer = setTimeout(
        () => {
          instance.stop();
        },
        (seconds + 1) * 1000,
      );
    });
    // Not result.requests.sent: autocannon adds a second's worth per connection up front to it.
    failed += result.errors;
    total += result.errors;
  };
  const runs = segments(ratePerSecond(s)).flatMap((segment) =>
    split(segment.rate, s.maxVUs).map((part) =>
      one(segment.start * 1000 + part.offsetMs, segment.seconds, part),
    ),
  );
  await Promise.all(runs);
  const planned = plannedIterations(s);
  return { latenciesMs, failed, total, planned, dropped: Math.max(0, planned - total) };
}
