import { strict as assert } from 'node:assert';
import { metricNames } from './support/promql.ts';

describe('monitoring: metric names in PromQL', () => {
  const cases: [string, string[]][] = [
    ['up', ['up']],
    ['up{component="x"} == 0', ['up']],
    [
      'histogram_quantile(0.95, sum by (namespace, le) (rate(a_seconds_bucket{route!~"/livez|/readyz"}[5m]))) >= 30',
      ['a_seconds_bucket'],
    ],
    ['sum(rate(a_total[5m])) by (job) / on (job) group_left (team) b_info', ['a_total', 'b_info']],
    ['max_over_time(a[1h]) == bool 1 and b offset 5m or c unless d', ['a', 'b', 'c', 'd']],
    ['label_replace(a, "dst", "$1", "src", "(.*)")', ['a']],
    ['rate(a{namespace="$namespace"}[$__rate_interval]) * 60', ['a']],
    [
      'component:sketchyaf_realtime_http_errors:rate5m / component:b:rate5m',
      ['component:b:rate5m', 'component:sketchyaf_realtime_http_errors:rate5m'],
    ],
    ['vector(1)', []],
    ['1e3 + 0.5 + Inf', []],
    ['max by (pod) (a{x="{y}"}) - sum without (le) (b)', ['a', 'b']],
  ];
  for (const [expr, names] of cases) {
    it(expr, () => {
      assert.deepEqual(metricNames(expr), names);
    });
  }
});
