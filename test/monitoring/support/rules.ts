// The plain Prometheus rule file, typed.
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { alertRulesPath } from './paths.ts';
import { asArray, asRecord, asString, asStringMap } from './yamlData.ts';

export interface AlertRule {
  group: string;
  alert: string;
  expr: string;
  for: string | undefined;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RecordingRule {
  group: string;
  record: string;
  expr: string;
}

export interface RuleFile {
  alerts: AlertRule[];
  records: RecordingRule[];
}

export async function loadRules(path = alertRulesPath): Promise<RuleFile> {
  const doc = asRecord(parse(await readFile(path, 'utf8')), path);
  const alerts: AlertRule[] = [];
  const records: RecordingRule[] = [];
  for (const [i, g] of asArray(doc['groups'], 'groups').entries()) {
    const group = asRecord(g, `groups[${i}]`);
    const name = asString(group['name'], `groups[${i}].name`);
    for (const [j, r] of asArray(group['rules'], `${name}.rules`).entries()) {
      const rule = asRecord(r, `${name}.rules[${j}]`);
      const expr = asString(rule['expr'], `${name}.rules[${j}].expr`);
      if (typeof rule['record'] === 'string') {
        records.push({ group: name, record: rule['record'], expr });
        continue;
      }
      const alert = asString(rule['alert'], `${name}.rules[${j}].alert`);
      alerts.push({
        group: name,
        alert,
        expr,
        for: rule['for'] === undefined ? undefined : asString(rule['for'], `${alert}.for`),
        labels: asStringMap(rule['labels'], `${alert}.labels`),
        annotations: asStringMap(rule['annotations'], `${alert}.annotations`),
      });
    }
  }
  return { alerts, records };
}

/** Prometheus durations as used here (e.g. 30s, 2m, 1h, 1h30m) in seconds. */
export function durationSeconds(value: string): number {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  let total = 0;
  let rest = value;
  while (rest !== '') {
    const match = /^(\d+)(ms|s|m|h|d|w)/.exec(rest);
    const unit = match?.[2];
    if (!match || unit === undefined) throw new Error(`not a duration: ${value}`);
    total += Number(match[1]) * (units[unit] ?? 0);
    rest = rest.slice(match[0].length);
  }
  return total;
}
