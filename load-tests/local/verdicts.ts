// Threshold verdicts of the local runner, in k6's terms: each measurement is
// filed under the same `metric{tags}` key as the k6 threshold it answers.
import {
  passes,
  thresholdExpression,
  thresholdKey,
  thresholdsFor,
  type Scenario,
  type ThresholdSpec,
} from '../scenarios.ts';
import { percentile } from './stats.ts';

export type Measurement =
  | { kind: 'trend'; values: readonly number[] }
  | { kind: 'rate'; hits: number; total: number }
  | { kind: 'count'; count: number };

export interface Verdict {
  key: string;
  expression: string;
  observed: number;
  ok: boolean;
  basis: string;
}

/** The observed value a threshold compares, or NaN when nothing was measured (a breach). */
export function observe(spec: ThresholdSpec, m: Measurement | undefined): number {
  if (!m) return Number.NaN;
  switch (spec.stat) {
    case 'p(95)':
      return m.kind === 'trend' ? percentile(m.values, 95) : Number.NaN;
    case 'p(99)':
      return m.kind === 'trend' ? percentile(m.values, 99) : Number.NaN;
    case 'rate':
      return m.kind === 'rate' && m.total > 0 ? m.hits / m.total : Number.NaN;
    case 'count':
      return m.kind === 'count' ? m.count : Number.NaN;
  }
}

export function verdicts(s: Scenario, measurements: ReadonlyMap<string, Measurement>): Verdict[] {
  return thresholdsFor(s).map((spec) => {
    const key = thresholdKey(spec);
    const observed = observe(spec, measurements.get(key));
    return {
      key,
      expression: thresholdExpression(spec),
      observed,
      ok: passes(spec, observed),
      basis: spec.basis,
    };
  });
}

function shown(v: Verdict): string {
  if (Number.isNaN(v.observed)) return 'no data';
  const stat = v.expression.replace(/[<>=].*$/, '');
  const value = Number.isInteger(v.observed)
    ? String(v.observed)
    : v.observed.toFixed(stat === 'rate' ? 4 : 2);
  return `${stat}=${value}`;
}

/** k6-style lines: `✓ http_req_duration{endpoint:events,scenario:ingest}  p(95)<500  p(95)=8.21`. */
export function formatVerdicts(list: readonly Verdict[]): string {
  const width = Math.max(...list.map((v) => v.key.length));
  const exprWidth = Math.max(...list.map((v) => v.expression.length));
  return list
    .map(
      (v) =>
        `  ${v.ok ? '✓' : '✗'} ${v.key.padEnd(width)}  ${v.expression.padEnd(exprWidth)}  ${shown(v).padEnd(18)} (${v.basis})`,
    )
    .join('\n');
}
