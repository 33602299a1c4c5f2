import { strict as assert } from 'node:assert';
import {
  bucketDelta,
  gaugeValue,
  histogramBuckets,
  histogramQuantile,
  HistogramWindow,
  parseMetricsText,
} from '../src/index.ts';

const scrape = `# HELP sketchyaf_realtime_circuit_state PubNub circuit breaker.
# TYPE sketchyaf_realtime_circuit_state gauge
sketchyaf_realtime_circuit_state{service="broadcaster"} 2
# TYPE sketchyaf_realtime_timer_lag_seconds histogram
sketchyaf_realtime_timer_lag_seconds_bucket{le="0.01",service="timer-monitor"} 5
sketchyaf_realtime_timer_lag_seconds_bucket{le="0.1",service="timer-monitor"} 9
sketchyaf_realtime_timer_lag_seconds_bucket{le="1",service="timer-monitor"} 10
sketchyaf_realtime_timer_lag_seconds_bucket{le="+Inf",service="timer-monitor"} 10
sketchyaf_realtime_timer_lag_seconds_sum{service="timer-monitor"} 1.5
weird_label{path="a\\"b\\\\c\\nd"} 1 1700000000000
not a sample line
`;

const buckets = (entries: [number, number][]) => new Map(entries);

describe('metrics text and histograms', () => {
  it('parses samples, labels with escapes and timestamps', () => {
    const samples = parseMetricsText(scrape);
    assert.equal(gaugeValue(samples, 'sketchyaf_realtime_circuit_state'), 2);
    assert.equal(gaugeValue(samples, 'missing'), undefined);
    assert.deepEqual(samples.find((s) => s.name === 'weird_label')?.labels, { path: 'a"b\\c\nd' });
    const b = histogramBuckets(samples, 'sketchyaf_realtime_timer_lag_seconds');
    assert.deepEqual(
      [...b],
      [
        [0.01, 5],
        [0.1, 9],
        [1, 10],
        [Infinity, 10],
      ],
    );
  });

  it('computes quantiles like histogram_quantile', () => {
    const b = buckets([
      [0.01, 5],
      [0.1, 9],
      [1, 10],
      [Infinity, 10],
    ]);
    assert.equal(histogramQuantile(0.5, b), 0.01);
    assert.ok(Math.abs((histogramQuantile(0.9, b) ?? 0) - 0.1) < 1e-9);
    assert.ok(Math.abs((histogramQuantile(0.95, b) ?? 0) - 0.55) < 1e-9);
    assert.equal(
      histogramQuantile(
        0.99,
        buckets([
          [1, 0],
          [Infinity, 4],
        ]),
      ),
      1,
      'in +Inf: the top finite bound',
    );
    assert.equal(
      histogramQuantile(
        0.99,
        buckets([
          [1, 0],
          [Infinity, 0],
        ]),
      ),
      null,
    );
  });

  it('subtracts snapshots and spots a restart', () => {
    assert.deepEqual([...(bucketDelta(buckets([[1, 5]]), buckets([[1, 2]])) ?? [])], [[1, 3]]);
    assert.equal(bucketDelta(buckets([[1, 1]]), buckets([[1, 2]])), null);
  });

  it('keeps a window of snapshots per source, like rate() over the window', () => {
    const w = new HistogramWindow(10_000);
    w.record(
      'a',
      0,
      buckets([
        [1, 100],
        [Infinity, 100],
      ]),
    );
    assert.equal(w.count(), 0, 'one snapshot of a source says nothing about the window');
    w.record(
      'a',
      5_000,
      buckets([
        [1, 103],
        [Infinity, 104],
      ]),
    );
    assert.deepEqual(
      [...w.delta()],
      [
        [1, 3],
        [Infinity, 4],
      ],
    );
    w.record(
      'a',
      12_000,
      buckets([
        [1, 110],
        [Infinity, 111],
      ]),
    );
    assert.deepEqual(
      [...w.delta()],
      [
        [1, 10],
        [Infinity, 11],
      ],
      'baseline at or before the window start',
    );
    w.record(
      'a',
      16_000,
      buckets([
        [1, 110],
        [Infinity, 112],
      ]),
    );
    assert.deepEqual(
      [...w.delta()],
      [
        [1, 7],
        [Infinity, 8],
      ],
      'the older baseline is dropped',
    );
    w.record(
      'b',
      16_000,
      buckets([
        [1, 1],
        [Infinity, 1],
      ]),
    );
    w.record(
      'b',
      17_000,
      buckets([
        [1, 3],
        [Infinity, 3],
      ]),
    );
    assert.equal(w.count(), 10, 'sources add up');
    w.record(
      'b',
      18_000,
      buckets([
        [1, 0],
        [Infinity, 0],
      ]),
    );
    assert.equal(w.count(), 8, 'a restarted source starts over');
    w.forgetStale(15_000);
    assert.equal(w.count(), 8, 'both sources reported since');
    w.forgetStale(17_000);
    assert.equal(w.count(), 0, '"a" went away; "b" has one snapshot since its restart');
  });
});
