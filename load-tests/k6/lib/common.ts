// What every k6 scenario script shares: where the system under test is, the
// game backend stand-in (test only: see load-tests/gameBackend/gameBackend.ts),
// and one request of an arrival scenario. Settings come from the environment:
//   BROADCASTER_URL (http://127.0.0.1:8080), API_TOKEN (the development token),
//   GAME_BACKEND_URL (http://127.0.0.1:8095), PUBNUB_URL (http://127.0.0.1:8090),
//   PUBNUB_SUBSCRIBE_KEY (sub-c-local).
import { check, fail } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import {
  arrivalBody,
  endpointTag,
  type ApiEvent,
  type ArrivalScenario,
  type GameSpec,
} from '../../scenarios.ts';

export const target = {
  broadcaster: __ENV['BROADCASTER_URL'] ?? 'http://127.0.0.1:8080',
  token: __ENV['API_TOKEN'] ?? 'dev-token-change-me',
  gameBackend: __ENV['GAME_BACKEND_URL'] ?? 'http://127.0.0.1:8095',
  pubnub: __ENV['PUBNUB_URL'] ?? 'http://127.0.0.1:8090',
  subscribeKey: __ENV['PUBNUB_SUBSCRIBE_KEY'] ?? 'sub-c-local',
};

const apiHeaders = { 'content-type': 'application/json', authorization: `Bearer ${target.token}` };

export interface SetupData {
  gameIds: string[];
}

/** Creates games through the game backend stand-in; `start` moves them to briefing. */
export function createGames(count: number, spec: Partial<GameSpec> & { start?: boolean } = {}): string[] {
  const res = http.post(
    `${target.gameBackend}/games`,
    JSON.stringify({
      count,
      totalRounds: spec.totalRounds ?? 3,
      phaseDurations: spec.phaseDurations ?? {},
      start: spec.start ?? false,
    }),
    { headers: { 'content-type': 'application/json' }, tags: { endpoint: 'backend' } },
  );
  if (res.status !== 201)
    fail(`game backend: POST /games answered ${res.status}: ${typeof res.body === 'string' ? res.body : ''}`);
  const body = res.json() as { gameIds?: unknown };
  if (!Array.isArray(body.gameIds)) fail('game backend: no gameIds in the answer');
  return body.gameIds.map(String);
}

export function startGame(gameId: string): void {
  const res = http.post(`${target.gameBackend}/games/${gameId}/start`, null, {
    tags: { endpoint: 'backend' },
  });
  check(res, { 'game started': (r) => r.status === 204 });
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
