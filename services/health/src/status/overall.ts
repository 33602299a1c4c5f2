import {
  componentLabels,
  componentNames,
  type ComponentName,
  type ComponentReport,
  type GamesReport,
  type KubernetesReport,
  type OutboxReport,
  type OverallStatus,
  type SliReport,
} from './types.ts';
import { formatSeconds } from './slis.ts';
import type { ControlReport } from '../control/controlReport.ts';

export interface OverallInputs {
  components: Record<ComponentName, ComponentReport>;
  slis: readonly SliReport[];
  outbox: OutboxReport | null;
  games: GamesReport | null;
  kubernetes: KubernetesReport;
  /** Runtime control; absent or null: nothing known. */
  control?: ControlReport | null;
}

/**
 * Pure: red when a component or an SLI is red; amber when anything is amber,
 * games are overdue, events are dead-lettered or a Deployment is not fully
 * available; else green. Every reason is listed, red ones first.
 */
export function overallStatus(input: OverallInputs): { status: OverallStatus; reasons: string[] } {
  const red: string[] = [];
  const amber: string[] = [];
  for (const name of componentNames) {
    const report = input.components[name];
    const label = componentLabels[name];
    if (report.level === 'down') red.push(`${label} is down: ${report.summary}`);
    else if (report.level === 'degraded') amber.push(`${label} is degraded: ${report.summary}`);
  }
  for (const sli of input.slis) {
    const line = `${sli.label}: ${sli.display} (objective ${sli.objective})`;
    if (sli.level === 'down') red.push(line);
    else if (sli.level === 'degraded') amber.push(line);
  }
  if (input.games && input.games.overdue > 0)
    amber.push(
      `${input.games.overdue} game(s) overdue, the oldest by ${formatSeconds(input.games.oldestOverdueSeconds)}`,
    );
  if (input.outbox && input.outbox.deadLetters > 0)
    amber.push(
      `${input.outbox.deadLetters} dead-lettered event(s) wait for an operator (/admin/dead-letters)`,
    );
  const k8s = input.kubernetes;
  if (k8s.inCluster && (k8s.level === 'down' || k8s.level === 'degraded'))
    amber.push(`Kubernetes: ${k8s.detail}`);
  const control = input.control;
  if (control && control.paused.length > 0) {
    const what = control.paused.map((p) => (p === 'ingest' ? 'ingest (read-only)' : p)).join(', ');
    amber.push(
      `Runtime control: ${what} paused by an operator${control.spec.note ? ` (${control.spec.note})` : ''}`,
    );
  }
  if (control && !control.applied) amber.push(`Runtime control: ${control.message}`);
  const status: OverallStatus = red.length > 0 ? 'down' : amber.length > 0 ? 'degraded' : 'ok';
  return { status, reasons: [...red, ...amber] };
}
