import { pausable } from '@sketchyaf/control';
import type { ControlReport } from '../control/controlReport.ts';
import { escapeHtml as e, timeAgo } from './html.ts';

const whatLabel: Record<string, string> = {
  broadcasting: 'Broadcasting (relay to PubNub)',
  timers: 'Timers (timed transitions)',
  ingest: 'Ingest API writes',
};

/** "Runtime control": what is paused, the relay limits, and which replicas applied it. Pure. */
export function controlSection(control: ControlReport | null, nowMs: number): string {
  if (!control)
    return '<h2>Runtime control</h2><p class="empty" data-control-state="unknown">Not read yet.</p>';
  const { spec } = control;
  const rows = pausable.map((what) => {
    const paused = control.paused.includes(what);
    const word = what === 'ingest' ? (paused ? 'READ-ONLY' : 'ENABLED') : paused ? 'PAUSED' : 'ENABLED';
    return `<tr data-control="${e(what)}" data-state="${paused ? 'paused' : 'enabled'}"><td>${e(whatLabel[what] ?? what)}</td>
<td><span class="pill ${paused ? 'degraded' : 'up'}">${e(word)}</span></td></tr>`;
  });
  const limits = [
    `relay concurrency ${spec.relay.concurrency === null ? 'default (RELAY_CONCURRENCY)' : String(spec.relay.concurrency)}`,
    `publish rate ${spec.relay.publishRatePerSecond === null ? 'unlimited' : `${spec.relay.publishRatePerSecond}/s per relay`}`,
  ];
  if (spec.ingest === 'read-only') limits.push(`Retry-After ${spec.ingestRetryAfterSeconds} s`);
  const replicas = control.replicas.map(
    (
      r,
    ) => `<tr data-replica="${e(r.name)}" data-state="${e(r.state)}"><td>${e(r.name)}</td><td>${e(r.component)}</td>
<td class="num">${r.appliedGeneration ?? '—'}</td><td><span class="pill ${r.state === 'applied' ? 'up' : r.state === 'pending' ? 'degraded' : 'down'}">${e(r.state.toUpperCase())}</span></td>
<td class="small">${e(r.detail)}${r.appliedAt ? ` · ${e(timeAgo(r.appliedAt, nowMs))}` : ''}</td></tr>`,
  );
  const source = control.source;
  const sourceLine = `Source: ${e(source.kind)} <code>${e(source.location)}</code>, generation <strong data-control-generation="${control.generation}">${control.generation}</strong>${source.error ? ` · <span class="bad">${e(source.error)}</span>` : ''}`;
  return `<h2>Runtime control</h2>
<p class="small" data-control-applied="${control.applied ? 'true' : 'false'}">${sourceLine}. ${e(control.message)}.</p>
${spec.note ? `<p data-control-note>Note: ${e(spec.note)}</p>` : ''}
<table><thead><tr><th>What</th><th>State</th></tr></thead><tbody>${rows.join('')}</tbody></table>
<p class="small">${e(limits.join(' · '))}</p>
${replicas.length ? `<table><thead><tr><th>Replica</th><th>Component</th><th>Applied generation</th><th>State</th><th>Detail</th></tr></thead><tbody>${replicas.join('')}</tbody></table>` : ''}`;
}
