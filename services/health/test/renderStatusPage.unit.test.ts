import { strict as assert } from 'node:assert';
import { parseControlSpec, specRevision, type ControlAcknowledgement } from '@sketchyaf/control';
import {
  escapeHtml,
  renderStatusPage,
  summarizeControl,
  timeAgo,
  utc,
  type ControlReport,
  type HealthReport,
} from '../src/index.ts';

const evil = `<script>alert("x")</script>&'`;
const escaped = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;';
const runbookBaseUrl = 'https://runbooks.example/alerts/';

function report(overrides: Partial<HealthReport> = {}): HealthReport {
  const component = (level: 'up' | 'down' | 'off') => ({
    level,
    summary: `summary ${evil}`,
    items: [{ name: `item ${evil}`, level, detail: `detail ${evil}` }],
  });
  return {
    status: 'down',
    reasons: [`pubnub is down: ${evil}`],
    checkedAt: '2025-03-04T05:06:07.000Z',
    checkDurationMs: 42,
    components: {
      postgres: component('up'),
      redis: component('off'),
      pubnub: component('down'),
      broadcaster: component('up'),
      'timer-monitor': component('up'),
    },
    outbox: { backlog: 100_000, backlogCapped: true, oldestAgeSeconds: 125, deadLetters: 2 },
    games: { overdue: 1, oldestOverdueSeconds: 3 },
    kubernetes: {
      inCluster: true,
      namespace: `ns-${evil}`,
      labelSelector: 'app=x',
      level: 'degraded',
      detail: `rollout ${evil}`,
      deployments: [
        {
          name: `deploy-${evil}`,
          component: 'relay',
          level: 'degraded',
          desired: 2,
          ready: 1,
          available: 1,
          updated: 1,
          generation: 4,
          observedGeneration: 4,
          images: [`img:${evil}`],
          version: `v-${evil}`,
          detail: `detail ${evil}`,
        },
      ],
    },
    slis: [
      {
        key: 'canary_delivery',
        label: 'Canary delivery',
        value: 0.5,
        display: '50.0 %',
        objective: '≥ 99.50 %',
        level: 'down',
        basis: `basis ${evil}`,
      },
    ],
    canary: {
      enabled: true,
      channel: 'user.sketchyaf-health-canary',
      subscriber: 'disconnected',
      sent: 10,
      received: 5,
      lost: 5,
      late: 1,
      postFailures: 0,
      inFlight: 0,
      lastReceivedAt: '2025-03-04T05:05:07.000Z',
      lastLatencyMs: 1234,
      lastError: `error ${evil}`,
    },
    incidents: [
      { at: '2025-03-04T05:06:00.000Z', subject: 'pubnub', from: 'up', to: 'down', detail: `why ${evil}` },
    ],
    control: controlFixture(),
    ...overrides,
  };
}

const nowMs = Date.parse('2025-03-04T05:06:10.000Z');

function controlFixture(): ControlReport {
  const parsed = parseControlSpec({
    broadcasting: 'paused',
    ingest: 'read-only',
    relay: { concurrency: 4 },
    note: `incident ${evil}`,
  });
  assert.ok(parsed.ok);
  const desired = { generation: 7, revision: specRevision(parsed.spec), spec: parsed.spec };
  const ack = (replica: string, generation: number): ControlAcknowledgement => ({
    replica,
    component: 'ingest+relay',
    source: { kind: 'kubernetes', location: 'ns/sketchyaf-realtime', synced: true, error: null },
    desired: { generation: 7, revision: desired.revision },
    applied: {
      generation,
      revision: generation === 7 ? desired.revision : 'old',
      at: '2025-03-04T05:06:05.000Z',
      spec: parsed.spec,
    },
  });
  return summarizeControl({
    desired,
    source: { kind: 'kubernetes', location: `ns/${evil}`, synced: true, error: null },
    answers: [
      {
        target: { component: 'relay', name: 'relay-0', url: 'http://10.0.0.1:8080' },
        ack: ack('relay-0', 7),
      },
      {
        target: { component: 'relay', name: 'relay-1', url: 'http://10.0.0.2:8080' },
        ack: ack(`relay-${evil}`, 6),
      },
      {
        target: { component: 'timer-monitor', name: 'tm-0', url: 'http://10.0.0.3:8082' },
        error: `refused ${evil}`,
      },
    ],
    discoveryError: null,
    now: nowMs,
  });
}

describe('status page rendering', () => {
  it('escapes every dynamic string', () => {
    const html = renderStatusPage({
      report: report(),
      environment: `prod${evil}`,
      runbookBaseUrl,
      nowMs,
      refreshSeconds: 5,
    });
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /alert\("x"\)/);
    const occurrences = html.split(escaped).length - 1;
    assert.ok(occurrences >= 18, `expected every field escaped, found ${occurrences}`);
  });

  it('is self-contained and refreshes itself', () => {
    const html = renderStatusPage({
      report: report(),
      environment: 'production',
      runbookBaseUrl,
      nowMs,
      refreshSeconds: 5,
    });
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /<meta http-equiv="refresh" content="5">/);
    assert.match(html, /<title>\[DOWN\] SketchyAF Realtime status \(production\)<\/title>/);
    assert.doesNotMatch(html, /<link|<script|<img|@import|url\(/, 'no external assets');
  });

  it('shows states as words as well as colours, and links the runbooks of what is wrong', () => {
    const html = renderStatusPage({
      report: report(),
      environment: 'production',
      runbookBaseUrl,
      nowMs,
      refreshSeconds: 5,
    });
    assert.match(html, /data-component="pubnub" data-level="down"/);
    assert.match(html, /<span class="pill down">DOWN<\/span>/);
    assert.match(html, /<span class="pill off">OFF<\/span>/);
    assert.match(html, /href="https:\/\/runbooks.example\/alerts\/ComponentDown.md"/);
    assert.match(html, /href="https:\/\/runbooks.example\/alerts\/CanaryDeliveryLow.md"/);
    assert.match(html, /href="https:\/\/runbooks.example\/alerts\/OutboxDeadLetters.md"/);
    assert.match(html, /href="https:\/\/runbooks.example\/alerts\/TimersOverdue.md"/);
    assert.match(html, />100000\+</, 'a capped backlog says so');
    assert.match(html, />2 min 5 s</);
    assert.match(html, /checked 3 s ago \(2025-03-04 05:06:07 UTC\)/);
  });

  it('says "not in a cluster" outside Kubernetes, and "checking" before the first round', () => {
    const outside = renderStatusPage({
      report: report({ kubernetes: { inCluster: false, detail: 'not in a cluster' }, incidents: [] }),
      environment: 'development',
      runbookBaseUrl,
      nowMs,
      refreshSeconds: 5,
    });
    assert.match(outside, /data-kubernetes="none">not in a cluster</);
    assert.match(outside, /No state changes since this health replica started/);
    const pending = renderStatusPage({
      report: null,
      environment: 'development',
      runbookBaseUrl,
      nowMs,
      refreshSeconds: 5,
    });
    assert.match(pending, /data-status="pending"/);
    assert.match(pending, /CHECKING/);
    assert.match(pending, /<meta http-equiv="refresh" content="5">/);
  });

  it('shows the runtime control state: what is paused, the limits, and which replica applied what', () => {
    const html = renderStatusPage({
      report: report(),
      environment: 'production',
      runbookBaseUrl,
      nowMs,
      refreshSeconds: 5,
    });
    assert.match(html, /<h2>Runtime control<\/h2>/);
    assert.match(html, /data-control="broadcasting" data-state="paused"/);
    assert.match(html, /data-control="timers" data-state="enabled"/);
    assert.match(
      html,
      /data-control="ingest" data-state="paused"><td>Ingest API writes<\/td>\s*<td><span class="pill degraded">READ-ONLY/,
    );
    assert.match(html, /relay concurrency 4 · publish rate unlimited · Retry-After 30 s/);
    assert.match(html, /data-control-generation="7">7</);
    assert.match(html, /data-control-applied="false"/);
    assert.match(html, /data-replica="relay-0" data-state="applied"/);
    assert.match(html, /data-state="pending"><td>relay-&lt;script&gt;/);
    assert.match(html, /data-replica="tm-0" data-state="unreachable"/);
    assert.match(html, /Note: incident &lt;script&gt;/);
    const none = renderStatusPage({
      report: report({ control: null }),
      environment: 'production',
      runbookBaseUrl,
      nowMs,
      refreshSeconds: 5,
    });
    assert.match(none, /data-control-state="unknown"/);
  });

  it('formats times for people', () => {
    assert.equal(escapeHtml(`a<b>"c"&'d'`), 'a&lt;b&gt;&quot;c&quot;&amp;&#39;d&#39;');
    assert.equal(timeAgo('2025-03-04T05:06:09.500Z', nowMs), 'just now');
    assert.equal(timeAgo('2025-03-04T05:05:10.000Z', nowMs), '60 s ago');
    assert.equal(timeAgo('2025-03-04T04:06:10.000Z', nowMs), '60 min ago');
    assert.equal(timeAgo('2025-03-01T05:06:10.000Z', nowMs), '3 d ago');
    assert.equal(timeAgo('garbage', nowMs), 'unknown');
    assert.equal(utc('2025-03-04T05:06:07.123Z'), '2025-03-04 05:06:07 UTC');
  });
});
