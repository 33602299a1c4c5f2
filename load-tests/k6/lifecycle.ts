// k6: the game lifecycle scenario of load-tests/scenarios.ts. One iteration
// plays one game: the game backend stand-in (test only) creates it, four
// players join over the API, the stand-in starts it, the timer monitor moves
// it through every phase, the players submit drawings and votes when the game
// channel's PubNub history shows the phase, and at `completed` the history is
// checked against the contract (order, no gaps, every event delivered).
// setup checks the target first; teardown cancels the games left unfinished.
import { sleep } from 'k6';
import http from 'k6/http';
import { Rate, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import {
  analyseGame,
  currentPhase,
  k6Options,
  lifecycleMetrics,
  playerEvents,
  scenarioShapes,
  type HistoryItem,
  type K6SummaryData,
} from '../scenarios.ts';
import {
  cancelRun,
  createGames,
  postEvents,
  preflight,
  startGame,
  summaryFiles,
  target,
  type SetupData,
} from './lib/common.ts';

const scenario = scenarioShapes(__ENV).lifecycle;

export const options: Options = k6Options('lifecycle', __ENV);

const timerLag = new Trend(lifecycleMetrics.timerLag, true);
const broadcastLatency = new Trend(lifecycleMetrics.broadcastLatency, true);
const delivery = new Rate(lifecycleMetrics.delivery);
const gamesOk = new Rate(lifecycleMetrics.gamesOk);

function history(gameId: string): HistoryItem[] {
  const channel = `game.${gameId}`;
  const res = http.get(
    `${target.pubnub}/v3/history/sub-key/${target.subscribeKey}/channel/${channel}?max=100&uuid=k6-lifecycle`,
    { tags: { endpoint: 'history' } },
  );
  if (res.status !== 200) return [];
  const body = res.json() as { channels?: Record<string, HistoryItem[] | undefined> };
  return body.channels?.[channel] ?? [];
}

export function setup(): SetupData {
  return { runId: preflight('lifecycle'), gameIds: [] };
}

/** Cancels the games a stopped run (abortOnFail, Ctrl-C) left unfinished. */
export function teardown(data: SetupData): void {
  cancelRun(data);
}

export function handleSummary(data: K6SummaryData): { [path: string]: string } {
  return summaryFiles('lifecycle', data);
}

export default function lifecycle(data: SetupData): void {
  const { game } = scenario;
  const gameId = createGames(data.runId, 1, game)[0] ?? '';
  const sent = postEvents(playerEvents(gameId, 'waiting', 1, game.players));
  startGame(gameId);

  const perGame =
    game.totalRounds *
    (game.phaseDurations.briefing +
      game.phaseDurations.drawing +
      game.phaseDurations.voting +
      game.phaseDurations.results);
  const giveUpAt = Date.now() + (perGame + 30) * 1000;
  const acted: Record<string, boolean> = {};
  while (Date.now() < giveUpAt) {
    sleep(scenario.pollMs / 1000);
    const { status, round } = currentPhase(history(gameId));
    if (status === 'completed' || status === 'cancelled') break;
    if ((status === 'drawing' || status === 'voting') && !acted[`${status}-${round}`]) {
      acted[`${status}-${round}`] = true;
      sent.push(...postEvents(playerEvents(gameId, status, round, game.players)));
    }
  }
  sleep(1); // events sent in the last phase may still be on their way
  const items = history(gameId);

  const report = analyseGame(gameId, items, sent, game);
  for (const ms of report.timerLagsMs) timerLag.add(ms);
  for (const ms of report.broadcastLatenciesMs) broadcastLatency.add(ms);
  for (let i = 0; i < report.expected; i += 1) delivery.add(i < report.delivered);
  gamesOk.add(report.ok);
  if (!report.ok) console.warn(`game ${gameId}: ${report.problems.join('; ')}`);
}
