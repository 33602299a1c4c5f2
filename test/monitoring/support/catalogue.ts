// docs/metrics.md: the metric catalogue tables and the recording rule table.
import { readFile } from 'node:fs/promises';
import { metricsDocPath } from './paths.ts';

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';

export interface CatalogueEntry {
  name: string;
  type: MetricType;
  labels: string[];
  unit: string;
  meaning: string;
  owner: string;
  status: 'existing' | 'planned';
}

export interface Catalogue {
  metrics: CatalogueEntry[];
  /** Names in the "Recording rules" table. */
  recordingRules: string[];
}

const metricTypes: readonly string[] = ['counter', 'gauge', 'histogram', 'summary'];

function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\||\|$/g, '')
    .split('|')
    .map((c) => c.trim());
}

function backticked(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');
}

export async function loadCatalogue(path = metricsDocPath): Promise<Catalogue> {
  const text = await readFile(path, 'utf8');
  const metrics: CatalogueEntry[] = [];
  const recordingRules: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('|')) continue;
    const row = cells(line);
    const [first = ''] = row;
    const [name] = backticked(first);
    if (name === undefined || first !== `\`${name}\``) continue;
    if (/^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$/.test(name)) {
      recordingRules.push(name);
      continue;
    }
    if (!name.startsWith('sketchyaf_realtime_')) continue;
    const [, type = '', labels = '', unit = '', meaning = '', owner = '', status = ''] = row;
    if (!metricTypes.includes(type)) throw new Error(`docs/metrics.md: ${name}: unknown type "${type}"`);
    if (status !== 'existing' && status !== 'planned') {
      throw new Error(`docs/metrics.md: ${name}: status must be existing or planned, not "${status}"`);
    }
    metrics.push({
      name,
      type: type as MetricType,
      labels: labels === '—' ? [] : backticked(labels),
      unit,
      meaning,
      owner,
      status,
    });
  }
  return { metrics, recordingRules };
}

/** Standard metrics every installation has (docs/metrics.md, "Standard metrics"). */
export function isStandardMetric(name: string): boolean {
  return name === 'up' || name === 'ALERTS' || /^(process|nodejs|container|kube)_[a-z0-9_]+$/.test(name);
}

/** Whether a name read by a query is documented: a catalogue metric (with histogram suffixes) or a recording rule. */
export function isDocumented(name: string, catalogue: Catalogue): boolean {
  if (catalogue.recordingRules.includes(name)) return true;
  for (const entry of catalogue.metrics) {
    if (entry.name === name) return true;
    if (
      (entry.type === 'histogram' || entry.type === 'summary') &&
      ['_bucket', '_sum', '_count'].some((suffix) => name === `${entry.name}${suffix}`)
    ) {
      return true;
    }
  }
  return false;
}
