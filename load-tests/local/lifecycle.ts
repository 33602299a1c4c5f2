// The lifecycle scenario in Node: the same flow as load-tests/k6/lifecycle.ts
// (shared-iterations: `vus` workers play `games` games), with fetch instead
// of k6/http, and the same analysis (analyseGame in scenarios.ts).
import {
  analyseGame,
  currentPhase,
  playerEvents,
  type ApiEvent,
  type HistoryItem,
  type Lifecycle,
} from '../scenarios.ts';

export interface LifecycleTarget {
  broadcasterUrl: string;
  token: string;
  gameBackendUrl: string;
  pubnubUrl: string;
  subscribeKey: string;
}

export interface LifecycleResult {
  games: number;
  gamesOk: number;
  expected: number;
  delivered: number;
  timerLagsMs: number[];
  broadcastLatenciesMs: number[];
  /** POST /v1/events: response times (ms) and failures (status other than 202, or no answer). */
  eventLatenciesMs: number[];
  eventRequests: number;
  eventFailures: number;
  problems: string[];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function runLifecycle(s: Lifecycle, target: LifecycleTarget): Promise<LifecycleResult> {
  const result: LifecycleResult = {
    games: 0,
    gamesOk: 0,
    expected: 0,
    delivered: 0,
    timerLagsMs: [],
    broadcastLatenciesMs: [],
    eventLatenciesMs: [],
    eventRequests: 0,
    eventFailures: 0,
    problems: [],
  };
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${target.token}` };

  const postEvents = async (events: readonly ApiEvent[]): Promise<string[]> => {
    const ids: string[] = [];
    for (const event of events) {
      result.eventRequests += 1;
      const t0 = performance.now();
      try {
        const res = await fetch(`${target.broadcasterUrl}/v1/events`, {
          method: 'POST',
          headers,
          body: JSON.stringify(event),
        });
        const body = (await res.json()) as { eventId?: unknown };
        result.eventLatenciesMs.push(performance.now() - t0);
        if (res.status === 202 && typeof body.eventId === 'string') ids.push(body.eventId);
        else result.eventFailures += 1;
      } catch {
        result.eventFailures += 1;
      }
    }
    return ids;
  };

  const history = async (gameId: string): Promise<HistoryItem[]> => {
    const channel = `game.${gameId}`;
    const res = await fetch(
      `${target.pubnubUrl}/v3/history/sub-key/${target.subscribeKey}/channel/${channel}?max=100&uuid=load-lifecycle`,
    );
    if (res.status !== 200) return [];
    const body = (await res.json()) as { channels?: Record<string, HistoryItem[] | undefined> };
    return body.channels?.[channel] ?? [];
  };

  const playOne = async (): Promise<void> => {
    const { game } = s;
    const created = await fetch(`${target.gameBackendUrl}/games`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 1, totalRounds: game.totalRounds, phaseDurations: game.phaseDurations }),
    });
    const { gameIds } = (await created.json()) as { gameIds?: string[] };
    const gameId = gameIds?.[0];
    if (created.status !== 201 || gameId === undefined)
      throw new Error(`game backend answered ${created.status}`);
    const sent = await postEvents(playerEvents(gameId, 'waiting', 1, game.players));
    await fetch(`${target.gameBackendUrl}/games/${gameId}/start`, { method: 'POST' });

    const perGame =
      game.totalRounds *
      (game.phaseDurations.briefing +
        game.phaseDurations.drawing +
        game.phaseDurations.voting +
        game.phaseDurations.results);
    const giveUpAt = Date.now() + (perGame + 30) * 1000;
    const acted = new Set<string>();
    while (Date.now() < giveUpAt) {
      await sleep(s.pollMs);
      const { status, round } = currentPhase(await history(gameId));
      if (status === 'completed' || status === 'cancelled') break;
      if ((status === 'drawing' || status === 'voting') && !acted.has(`${status}-${round}`)) {
        acted.add(`${status}-${round}`);
        sent.push(...(await postEvents(playerEvents(gameId, status, round, game.players))));
      }
    }
    await sleep(1000); // events sent in the last phase may still be on their way
    const report = analyseGame(gameId, await history(gameId), sent, game);
    result.games += 1;
    if (report.ok) result.gamesOk += 1;
    else result.problems.push(`game ${gameId}: ${report.problems.join('; ')}`);
    result.expected += report.expected;
    result.delivered += report.delivered;
    result.timerLagsMs.push(...report.timerLagsMs);
    result.broadcastLatenciesMs.push(...report.broadcastLatenciesMs);
  };

  let started = 0;
  const stopAt = Date.now() + s.maxDurationS * 1000;
  const workers = Array.from({ length: s.vus }, async () => {
    while (started < s.games && Date.now() < stopAt) {
      started += 1;
      try {
        await playOne();
      } catch (err) {
        result.games += 1;
        result.problems.push(`iteration failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  });
  await Promise.all(workers);
  return result;
}
