// Pure: reads the few samples the health service needs from a Prometheus
// text exposition (another service's /metrics).

export interface Sample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

const sampleLine = /^([A-Za-z_:][A-Za-z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?\s*$/;
const labelPair = /([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/y;

function unescapeLabel(value: string): string {
  return value.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function parseValue(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

/** Every sample line; comments, blank and malformed lines are skipped. */
export function parseMetricsText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = sampleLine.exec(line);
    if (!match) continue;
    const [, name = '', , labelText = '', valueText = ''] = match;
    const labels: Record<string, string> = {};
    labelPair.lastIndex = 0;
    let ok = true;
    while (labelPair.lastIndex < labelText.length) {
      const pair = labelPair.exec(labelText);
      if (!pair) {
        ok = false;
        break;
      }
      labels[pair[1] ?? ''] = unescapeLabel(pair[2] ?? '');
    }
    const value = parseValue(valueText);
    if (ok && !Number.isNaN(value)) samples.push({ name, labels, value });
  }
  return samples;
}

/** The first sample named `name` (any labels). */
export function gaugeValue(samples: readonly Sample[], name: string): number | undefined {
  return samples.find((s) => s.name === name)?.value;
}

/** Cumulative bucket counts of histogram `name`, summed over label sets, by upper bound. */
export function histogramBuckets(samples: readonly Sample[], name: string): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${name}_bucket`) continue;
    const le = s.labels['le'];
    if (le === undefined) continue;
    const bound = parseValue(le);
    if (Number.isNaN(bound)) continue;
    buckets.set(bound, (buckets.get(bound) ?? 0) + s.value);
  }
  return buckets;
}
