// What every k6 scenario script shares: where the system under test is, the
// game backend stand-in (load-tests/gameBackend/gameBackend.ts), setup's
// preflight, teardown and handleSummary. Settings are -e variables (__ENV):
//   BROADCASTER_URL (http://127.0.0.1:8080), API_TOKEN (the development token),
//   GAME_BACKEND_URL (http://127.0.0.1:8095), GAME_BACKEND_TOKEN (none),
//   PUBNUB_URL (http://127.0.0.1:8090), PUBNUB_SUBSCRIBE_KEY (sub-c-local),
//   SUMMARY_DIR (.: where handleSummary writes k6-<scenario>-summary.json),
//   and the rates, durations and game counts of loadKnobs (load-tests/scenarios.ts).
import { check, fail } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import {
  arrivalBody,
  endpointTag,
  summaryReport,
  summaryText,
  type ApiEvent,
  type ArrivalScenario,
  type GameSpec,
  type K6SummaryData,
  type ScenarioName,
} from '../../scenarios.ts';

export const target = {
  broadcaster: (__ENV['BROADCASTER_URL'] ?? 'http://127.0.0.1:8080').replace(/\/+$/, ''),
  token: __ENV['API_TOKEN'] ?? 'dev-token-change-me',
  gameBackend: (__ENV['GAME_BACKEND_URL'] ?? 'http://127.0.0.1:8095').replace(/\/+$/, ''),
  gameBackendToken: __ENV['GAME_BACKEND_TOKEN'] ?? '',
  pubnub: (__ENV['PUBNUB_URL'] ?? 'http://127.0.0.1:8090').replace(/\/+$/, ''),
  subscribeKey: __ENV['PUBNUB_SUBSCRIBE_KEY'] ?? 'sub-c-local',
};

const apiHeaders = { 'content-type': 'application/json', authorization: `Bearer ${target.token}` };
const backendHeaders: { [name: string]: string } = target.gameBackendToken
  ? { 'content-type': 'application/json', authorization: `Bearer ${target.gameBackendToken}` }
  : { 'content-type': 'application/json' };

export interface SetupData {
  /** Names this run's games at the stand-in, which cancels them in teardown. */
  runId: string;
  gameIds: string[];
}

/**
 * Before any load: the stand-in answers, and the ingest API takes the token
 * (an empty event is refused as invalid, 400, not as unauthorised or absent).
 * Stops the run with what is wrong, before it loads anything.
 */
export function preflight(name: ScenarioName): string {
  const live = http.get(`${target.gameBackend}/livez`, { tags: { endpoint: 'preflight' } });
  if (live.status !== 200)
    fail(`preflight: game backend stand-in ${target.gameBackend}/livez answered ${live.status}`);
  const probe = http.post(`${target.broadcaster}/v1/events`, '{}', {
    headers: apiHeaders,
    tags: { endpoint: 'preflight' },
    responseCallback: http.expectedStatuses(400),
  });
  if (probe.status !== 400)
    fail(
      `preflight: POST ${target.broadcaster}/v1/events answered ${probe.status}, want 400 for an empty event (401/403: API_TOKEN; 404: BROADCASTER_URL; 503: the deployment is not ready)`,
    );
  return `k6-${name}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** Creates games through the game backend stand-in; `start` moves them to briefing. */
export function createGames(
  runId: string,
  count: number,
  spec: Partial<GameSpec> & { start?: boolean } = {},
): string[] {
  const res = http.post(
    `${target.gameBackend}/games`,
    JSON.stringify({
      count,
      totalRounds: spec.totalRounds ?? 3,
      phaseDurations: spec.phaseDurations ?? {},
      start: spec.start ?? false,
      runId,
    }),
    { headers: backendHeaders, tags: { endpoint: 'backend' } },
  );
  if (res.status !== 201)
    fail(`game backend: POST /games answered ${res.status}: ${typeof res.body === 'string' ? res.body : ''}`);
  const body = res.json() as { gameIds?: unknown };
  if (!Array.isArray(body.gameIds)) fail('game backend: no gameIds in the answer');
  return body.gameIds.map(String);
}

export function startGame(gameId: string): void {
  const res = http.post(`${target.gameBackend}/games/${gameId}/start`, null, {
    headers: backendHeaders,
    tags: { endpoint: 'backend' },
  });
  check(res, { 'game started': (r) => r.status === 204 });
}

/** teardown: the stand-in cancels every game of this run not yet over, so none is left waiting. */
export function cancelRun(data: Pick<SetupData, 'runId'>): void {
  const res = http.post(`${target.gameBackend}/runs/${data.runId}/cancel`, null, {
    headers: backendHeaders,
    tags: { endpoint: 'backend' },
  });
  if (res.status !== 200) console.warn(`teardown: cancelling run ${data.runId} answered ${res.status}`);
}

/** Posts events one request each; returns the eventIds the API accepted. */
export function postEvents(events: readonly ApiEvent[]): string[] {
  const ids: string[] = [];
  for (const event of events) {
    const res = http.post(`${target.broadcaster}/v1/events`, JSON.stringify(event), {
      headers: apiHeaders,
      tags: { endpoint: 'events' },
    });
    if (check(res, { 'event accepted (202)': (r) => r.status === 202 })) {
      const { eventId } = res.json() as { eventId?: unknown };
      if (typeof eventId === 'string') ids.push(eventId);
    }
  }
  return ids;
}

/** One iteration of an arrival scenario: one request, its body numbered by the iteration. */
export function arrivalIteration(s: ArrivalScenario, data: SetupData): void {
  const i = exec.scenario.iterationInTest;
  const res = http.post(`${target.broadcaster}/v1/${s.endpoint}`, arrivalBody(s, data.gameIds, i), {
    headers: apiHeaders,
    tags: { endpoint: endpointTag(s.endpoint) },
  });
  check(res, { 'accepted (202)': (r) => r.status === 202 });
}

/** handleSummary of a scenario: the verdicts on stdout, the whole report as JSON in SUMMARY_DIR. */
export function summaryFiles(name: ScenarioName, data: K6SummaryData): { [path: string]: string } {
  const report = summaryReport(name, data, {
    broadcaster: target.broadcaster,
    gameBackend: target.gameBackend,
    pubnub: target.pubnub,
  });
  const dir = (__ENV['SUMMARY_DIR'] ?? '.').replace(/\/+$/, '');
  return {
    stdout: summaryText(report),
    [`${dir}/k6-${name}-summary.json`]: `${JSON.stringify(report, null, 2)}\n`,
  };
}
