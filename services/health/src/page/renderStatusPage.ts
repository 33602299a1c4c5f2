import { componentNames, type HealthReport, type Level, type OverallStatus } from '../status/types.ts';
import { formatSeconds } from '../status/slis.ts';
import { escapeHtml as e, timeAgo, utc } from './html.ts';
import { controlSection } from './controlSection.ts';
import { statusPageCss } from './styles.ts';

export interface StatusPageInput {
  /** null before the first round of checks has finished. */
  report: HealthReport | null;
  environment: string;
  /** Ends with `/`; runbook pages are `<base><Alert>.md`. */
  runbookBaseUrl: string;
  nowMs: number;
  refreshSeconds: number;
}

const levelWord: Record<Level | OverallStatus, string> = {
  up: 'UP',
  ok: 'OK',
  degraded: 'DEGRADED',
  down: 'DOWN',
  off: 'OFF',
};
const bannerWord: Record<OverallStatus, string> = {
  ok: 'ALL SYSTEMS OK',
  degraded: 'DEGRADED',
  down: 'DOWN',
};
const componentTitle: Record<string, string> = {
  postgres: 'PostgreSQL',
  redis: 'Redis (shard leases)',
  pubnub: 'PubNub',
  broadcaster: 'Broadcaster (ingest + relay)',
  'timer-monitor': 'Timer monitor',
  kubernetes: 'Kubernetes',
  overall: 'Overall',
};

/** The runbook of the alert that fires for each component and SLI (runbooks/alerts/). */
const runbooks: Record<string, string> = {
  postgres: 'ComponentDown',
  redis: 'ComponentDown',
  pubnub: 'ComponentDown',
  broadcaster: 'ComponentDown',
  'timer-monitor': 'ComponentDown',
  canary_delivery: 'CanaryDeliveryLow',
  canary_latency_p95: 'CanaryLatencyHigh',
  timer_lag_p99: 'TimerLagP99High',
  outbox_oldest_age: 'OutboxEventsDelayed',
  dead_letters: 'OutboxDeadLetters',
  overdue_games: 'TimersOverdue',
};

const pill = (level: Level | OverallStatus): string =>
  `<span class="pill ${e(level)}">${e(levelWord[level])}</span>`;

function runbookLink(base: string, key: string): string {
  const page = runbooks[key];
  return page ? `<a class="runbook" href="${e(`${base}${page}.md`)}">runbook</a>` : '';
}

function components(report: HealthReport, runbookBase: string): string {
  const cards = componentNames.map((name) => {
    const c = report.components[name];
    const items = c.items
      .map((i) => `<li><span class="dot ${e(i.level)}"></span>${e(i.name)}: ${e(i.detail)}</li>`)
      .join('');
    return `<section class="card ${e(c.level)}" data-component="${e(name)}" data-level="${e(c.level)}">
<h3>${e(componentTitle[name] ?? name)} ${pill(c.level)}</h3>
<p>${e(c.summary)}</p>${items ? `<ul class="items">${items}</ul>` : ''}
${c.level === 'up' || c.level === 'off' ? '' : runbookLink(runbookBase, name)}</section>`;
  });
  return `<h2>Components</h2><div class="grid">${cards.join('')}</div>`;
}

function slis(report: HealthReport, runbookBase: string): string {
  const rows = report.slis.map(
    (s) => `<tr data-sli="${e(s.key)}" data-level="${e(s.level)}"><td>${e(s.label)}</td>
<td class="num">${e(s.display)}</td><td class="num">${e(s.objective)}</td><td>${pill(s.level)}</td>
<td class="small">${e(s.basis)}</td><td class="small">${runbookLink(runbookBase, s.key)}</td></tr>`,
  );
  return `<h2>Service level indicators</h2><table><thead><tr><th>Indicator</th><th>Now</th><th>Objective</th>
<th>Status</th><th>Measured over</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function stat(label: string, value: string, title = ''): string {
  return `<div class="stat"${title ? ` title="${e(title)}"` : ''}><div class="label">${e(label)}</div><div class="value">${e(value)}</div></div>`;
}

function pipeline(report: HealthReport, nowMs: number, runbookBase: string): string {
  const { outbox, games, canary } = report;
  const stats = [
    stat(
      'Outbox backlog',
      outbox ? `${outbox.backlog}${outbox.backlogCapped ? '+' : ''}` : 'unknown',
      'unpublished, not dead-lettered events, all shards',
    ),
    stat(
      'Oldest waiting event',
      outbox ? (outbox.oldestAgeSeconds === 0 ? 'none' : formatSeconds(outbox.oldestAgeSeconds)) : 'unknown',
    ),
    stat(
      'Dead letters',
      outbox ? String(outbox.deadLetters) : 'unknown',
      'see the broadcaster /admin/dead-letters',
    ),
    stat(
      'Overdue games',
      games ? String(games.overdue) : 'unknown',
      'more than 1 s past their phase deadline',
    ),
    stat('Canaries sent', String(canary.sent)),
    stat('Received in time', String(canary.received)),
    stat('Lost', String(canary.lost), 'not received within the deadline, or refused by the ingest API'),
    stat('Late', String(canary.late), 'received after the deadline'),
    stat('In flight', String(canary.inFlight)),
    stat('Last latency', canary.lastLatencyMs === null ? '—' : formatSeconds(canary.lastLatencyMs / 1000)),
  ];
  const last = canary.lastReceivedAt
    ? `last received ${e(timeAgo(canary.lastReceivedAt, nowMs))} (${e(utc(canary.lastReceivedAt))})`
    : 'nothing received yet';
  const canaryLine = canary.enabled
    ? `Canary on <code>${e(canary.channel)}</code>, subscriber <strong>${e(canary.subscriber)}</strong>, ${last}.`
    : 'Canary disabled (CANARY_ENABLED=false).';
  const error = canary.lastError ? `<p class="small">Last canary problem: ${e(canary.lastError)}</p>` : '';
  const links = [
    outbox && outbox.deadLetters > 0 ? `Dead letters: ${runbookLink(runbookBase, 'dead_letters')}` : '',
    games && games.overdue > 0 ? `Overdue games: ${runbookLink(runbookBase, 'overdue_games')}` : '',
  ].filter((l) => l !== '');
  const linkLine = links.length ? `<p class="small">${links.join(' · ')}</p>` : '';
  return `<h2>Pipeline</h2><div class="stats">${stats.join('')}</div><p class="small">${canaryLine}</p>${error}${linkLine}`;
}

function kubernetes(report: HealthReport): string {
  const k = report.kubernetes;
  if (!k.inCluster) return `<h2>Kubernetes</h2><p class="empty" data-kubernetes="none">${e(k.detail)}</p>`;
  const rows = k.deployments.map(
    (
      d,
    ) => `<tr data-deployment="${e(d.name)}" data-level="${e(d.level)}"><td>${e(d.name)}</td><td>${e(d.component ?? '—')}</td>
<td class="num">${d.ready} / ${d.desired}</td><td class="num">${d.available}</td><td class="num">${d.updated}</td>
<td class="num">${d.observedGeneration} / ${d.generation}</td><td class="small">${e(d.version ?? '—')}<br>${e(d.images.join(', '))}</td>
<td>${pill(d.level)}<div class="small">${e(d.detail)}</div></td></tr>`,
  );
  const table = rows.length
    ? `<table><thead><tr><th>Deployment</th><th>Component</th><th>Ready</th><th>Available</th><th>Updated</th>
<th>Observed / generation</th><th>Version / image</th><th>Status</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
    : '';
  return `<h2>Kubernetes</h2><p data-kubernetes="${e(k.level)}">${pill(k.level)} namespace <code>${e(k.namespace)}</code>,
selector <code>${e(k.labelSelector)}</code>: ${e(k.detail)}</p>${table}`;
}

function incidents(report: HealthReport, nowMs: number): string {
  if (report.incidents.length === 0)
    return '<h2>Recent changes</h2><p class="empty">No state changes since this health replica started.</p>';
  const rows = report.incidents.map(
    (i) => `<tr><td class="num">${e(utc(i.at))}<div class="small">${e(timeAgo(i.at, nowMs))}</div></td>
<td>${e(componentTitle[i.subject] ?? i.subject)}</td><td class="change">${e(levelWord[i.from as Level] ?? i.from)} → ${pill(i.to)}</td>
<td class="small">${e(i.detail)}</td></tr>`,
  );
  return `<h2>Recent changes</h2><table><thead><tr><th>When</th><th>What</th><th>Change</th><th>Detail</th></tr></thead>
<tbody>${rows.join('')}</tbody></table>`;
}

/** The whole page: server-rendered, self-contained, refreshing itself. Pure. */
export function renderStatusPage(input: StatusPageInput): string {
  const { report, nowMs, environment } = input;
  const status = report?.status;
  const title = `${status ? `[${levelWord[status]}] ` : ''}SketchyAF Realtime status (${environment})`;
  const banner = report
    ? `<div class="banner ${e(report.status)}" data-status="${e(report.status)}"><span class="word">${e(bannerWord[report.status])}</span>
<span class="meta">checked ${e(timeAgo(report.checkedAt, nowMs))} (${e(utc(report.checkedAt))}) in ${report.checkDurationMs} ms</span></div>
${report.reasons.length ? `<ul class="reasons">${report.reasons.map((r) => `<li>${e(r)}</li>`).join('')}</ul>` : ''}`
    : '<div class="banner pending" data-status="pending"><span class="word">CHECKING…</span><span class="meta">the first round of checks has not finished yet</span></div>';
  const body = report
    ? [
        components(report, input.runbookBaseUrl),
        controlSection(report.control, nowMs),
        slis(report, input.runbookBaseUrl),
        pipeline(report, nowMs, input.runbookBaseUrl),
        kubernetes(report),
        incidents(report, nowMs),
      ].join('\n')
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="${input.refreshSeconds}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title><style>${statusPageCss}</style></head>
<body><main>
<header><h1>SketchyAF Realtime — ${e(environment)}</h1>
<span class="meta">page rendered ${e(utc(new Date(nowMs).toISOString()))}, refreshes every ${input.refreshSeconds} s · <a href="/api/health">/api/health</a> · <a href="/metrics">/metrics</a></span></header>
${banner}
${body}
<footer>Status from this health replica's own checks. Long-term history: Prometheus (sketchyaf_realtime_* metrics) and the Grafana dashboard.</footer>
</main></body></html>
`;
}
