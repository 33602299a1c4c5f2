// The one definition of the load scenarios: their shapes (executor, rates,
// durations), their thresholds and the pure helpers both runners share.
// Imported by the k6 scripts (load-tests/k6/*.ts, run by k6's own TypeScript
// support) and by `npm run load` (load-tests/local/, Node and autocannon).
// Plain data and pure functions only: no imports, nothing specific to k6 or
// Node, and no language feature newer than ES2020 (k6's runtime).

/**
 * The SLO targets the thresholds encode, as written in the SLO table of
 * docs/metrics.md (a unit test reads that table and compares).
 */
export const slo = {
  /** "trigger (event accepted by the API)": p95 < 500 ms. */
  ingestP95Ms: 500,
  /** "error rate": < 0.5%. */
  errorRatePct: 0.5,
  /** "timer execution": p95 < 5 s (deadline to committed transition). */
  timerLagP95Ms: 5000,
  /** "broadcast latency": p95 < 2 s (commit to PubNub accepted). */
  broadcastP95Ms: 2000,
  /** "PubNub delivery": > 99.5%. */
  deliveryPct: 99.5,
} as const;

/**
 * Load-test guards beyond the SLO table (docs/performance.md, "Load-test
 * thresholds"): a p99 per endpoint, the share of planned iterations the load
 * generator may fail to start, and the lifecycle contract (every game ends,
 * in order, no sequence gap).
 */
export const guards = {
  ingestP99Ms: 1000,
  droppedIterationsPct: 1,
  lifecycleGamesOkPct: 100,
} as const;

export type Endpoint = 'events' | 'events/batch';

/** The `endpoint` tag of a request (k6 tag values in threshold keys stay plain words). */
export function endpointTag(endpoint: Endpoint): 'events' | 'batch' {
  return endpoint === 'events' ? 'events' : 'batch';
}

interface ScenarioBase {
  name: ScenarioName;
  description: string;
}

export interface ConstantArrival extends ScenarioBase {
  executor: 'constant-arrival-rate';
  endpoint: Endpoint;
  /** Events per request: 1 for /v1/events, more for /v1/events/batch. */
  eventsPerRequest: number;
  /** Requests (iterations) per second. */
  rate: number;
  durationS: number;
  preAllocatedVUs: number;
  maxVUs: number;
}

export interface RampingArrival extends ScenarioBase {
  executor: 'ramping-arrival-rate';
  endpoint: Endpoint;
  eventsPerRequest: number;
  startRate: number;
  /** Linear ramps to `target` requests per second over `durationS`. */
  stages: readonly { durationS: number; target: number }[];
  preAllocatedVUs: number;
  maxVUs: number;
}

export interface GameSpec {
  totalRounds: number;
  /** Seconds per timed phase (the games.phase_durations column). */
  phaseDurations: { briefing: number; drawing: number; voting: number; results: number };
  players: number;
}

export interface Lifecycle extends ScenarioBase {
  executor: 'shared-iterations';
  /** One iteration plays one game from creation to `completed`. */
  games: number;
  vus: number;
  maxDurationS: number;
  game: GameSpec;
  /** How often a player polls the game channel's history. */
  pollMs: number;
}

export type ScenarioName = 'ingest' | 'spike' | 'soak' | 'lifecycle';
export type Scenario = ConstantArrival | RampingArrival | Lifecycle;
export type ArrivalScenario = ConstantArrival | RampingArrival;

export const scenarioNames: readonly ScenarioName[] = ['ingest', 'spike', 'soak', 'lifecycle'];

/** Games the setup creates for the arrival scenarios (events spread over them) unless LOAD_GAMES says otherwise. */
export const ingestGames = 500;

/**
 * The knobs a run may set (k6: `-e NAME=value`; `npm run load`: the
 * environment), each an integer within its bounds. Defaults keep `npm run load`
 * within a few minutes; a run against a real deployment scales them.
 */
export const loadKnobs = {
  LOAD_GAMES: {
    default: ingestGames,
    min: 1,
    max: 10_000,
    what: 'games the arrival scenarios spread events over',
  },
  LOAD_INGEST_RATE: { default: 300, min: 1, max: 100_000, what: 'ingest: requests/s' },
  LOAD_INGEST_SECONDS: { default: 40, min: 1, max: 86_400, what: 'ingest: seconds' },
  LOAD_SPIKE_BASE: { default: 20, min: 1, max: 100_000, what: 'spike: requests/s before and after' },
  LOAD_SPIKE_PEAK: { default: 800, min: 1, max: 100_000, what: 'spike: requests/s at the peak (held 15 s)' },
  LOAD_SOAK_RATE: { default: 50, min: 1, max: 100_000, what: 'soak: batch requests/s (10 events each)' },
  LOAD_SOAK_SECONDS: { default: 90, min: 1, max: 604_800, what: 'soak: seconds' },
  LOAD_LIFECYCLE_GAMES: { default: 60, min: 1, max: 100_000, what: 'lifecycle: games played' },
  LOAD_LIFECYCLE_VUS: { default: 30, min: 1, max: 10_000, what: 'lifecycle: games at a time' },
} as const;

export type LoadKnob = keyof typeof loadKnobs;

/** The value of one knob; throws, naming the knob and its bounds, on anything but an integer within them. */
export function knob(env: Readonly<Record<string, string | undefined>>, name: LoadKnob): number {
  const spec = loadKnobs[name];
  const raw = env[name];
  if (raw === undefined || raw === '') return spec.default;
  const value = /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= spec.min && value <= spec.max))
    throw new Error(`${name}=${raw}: want an integer from ${spec.min} to ${spec.max} (${spec.what})`);
  return value;
}

/** VUs an arrival scenario needs at `rate` requests/s: the defaults, more for higher rates. */
function vusFor(rate: number, pre: number, max: number): { preAllocatedVUs: number; maxVUs: number } {
  return {
    preAllocatedVUs: Math.max(pre, Math.ceil(rate / 15)),
    maxVUs: Math.max(max, Math.ceil((rate * 2) / 3)),
  };
}

/** The scenarios, scaled by the knobs of `env` (loadKnobs). */
export function scenarioShapes(env: Readonly<Record<string, string | undefined>> = {}): {
  ingest: ConstantArrival;
  spike: RampingArrival;
  soak: ConstantArrival;
  lifecycle: Lifecycle;
} {
  const ingestRate = knob(env, 'LOAD_INGEST_RATE');
  const ingestSeconds = knob(env, 'LOAD_INGEST_SECONDS');
  const spikeBase = knob(env, 'LOAD_SPIKE_BASE');
  const spikePeak = knob(env, 'LOAD_SPIKE_PEAK');
  const soakRate = knob(env, 'LOAD_SOAK_RATE');
  const soakSeconds = knob(env, 'LOAD_SOAK_SECONDS');
  const games = knob(env, 'LOAD_LIFECYCLE_GAMES');
  const vus = Math.min(games, knob(env, 'LOAD_LIFECYCLE_VUS'));
  return {
    ingest: {
      name: 'ingest',
      description: `POST /v1/events, one event per request, at a constant ${ingestRate} requests/s for ${ingestSeconds} s`,
      executor: 'constant-arrival-rate',
      endpoint: 'events',
      eventsPerRequest: 1,
      rate: ingestRate,
      durationS: ingestSeconds,
      ...vusFor(ingestRate, 20, 200),
    },
    spike: {
      name: 'spike',
      description: `POST /v1/events from ${spikeBase} to ${spikePeak} requests/s in 5 s, held 15 s, back to ${spikeBase}`,
      executor: 'ramping-arrival-rate',
      endpoint: 'events',
      eventsPerRequest: 1,
      startRate: spikeBase,
      stages: [
        { durationS: 5, target: spikeBase },
        { durationS: 5, target: spikePeak },
        { durationS: 15, target: spikePeak },
        { durationS: 5, target: spikeBase },
        { durationS: 10, target: spikeBase },
      ],
      ...vusFor(spikePeak, 50, 400),
    },
    soak: {
      name: 'soak',
      description: `POST /v1/events/batch, 10 events per request, ${soakRate} requests/s (${soakRate * 10} events/s) for ${soakSeconds} s`,
      executor: 'constant-arrival-rate',
      endpoint: 'events/batch',
      eventsPerRequest: 10,
      rate: soakRate,
      durationS: soakSeconds,
      ...vusFor(soakRate, 10, 100),
    },
    lifecycle: {
      name: 'lifecycle',
      description: `${games} games, ${vus} at a time: created and started by the game backend stand-in, played by 4 players each over the API, followed on PubNub until completed`,
      executor: 'shared-iterations',
      games,
      vus,
      maxDurationS: 150 * Math.ceil(games / vus / 2),
      game: {
        totalRounds: 2,
        phaseDurations: { briefing: 2, drawing: 4, voting: 3, results: 2 },
        players: 4,
      },
      pollMs: 500,
    },
  };
}

export function scenarioByName(
  name: ScenarioName,
  env: Readonly<Record<string, string | undefined>> = {},
): Scenario {
  return scenarioShapes(env)[name];
}

/** Total seconds an arrival scenario runs. */
export function arrivalSeconds(s: ArrivalScenario): number {
  return s.executor === 'constant-arrival-rate'
    ? s.durationS
    : s.stages.reduce((t, st) => t + st.durationS, 0);
}

/**
 * Requests per second at each whole second of an arrival scenario (the rate
 * at the middle of that second, as k6's ramping-arrival-rate interpolates it).
 */
export function ratePerSecond(s: ArrivalScenario): number[] {
  if (s.executor === 'constant-arrival-rate') return Array.from({ length: s.durationS }, () => s.rate);
  const out: number[] = [];
  let from = s.startRate;
  for (const stage of s.stages) {
    for (let t = 0; t < stage.durationS; t += 1) {
      out.push(Math.round(from + ((stage.target - from) * (t + 0.5)) / stage.durationS));
    }
    from = stage.target;
  }
  return out;
}

/** Iterations (requests) an arrival scenario plans to start. */
export function plannedIterations(s: ArrivalScenario): number {
  return ratePerSecond(s).reduce((a, b) => a + b, 0);
}

// ---------------------------------------------------------------- thresholds

export type Stat = 'p(95)' | 'p(99)' | 'rate' | 'count';
export type Op = '<' | '<=' | '>' | '>=';

/** One threshold, in k6's terms: `metric{tags}` and `stat op value`. */
export interface ThresholdSpec {
  metric: string;
  tags: Readonly<Record<string, string>>;
  stat: Stat;
  op: Op;
  value: number;
  /** Where the number comes from: an SLO row of docs/metrics.md or a load-test guard. */
  basis: string;
  /**
   * k6 stops the run as soon as this one fails (after abortDelay): errors and
   * p95 latency, so a run against a real deployment stops hurting it.
   */
  abortOnFail?: boolean;
}

/** Evaluation delay of abortOnFail thresholds: a few seconds of start-up noise never stop a run. */
export const abortDelay = '15s';

/** Custom metrics of the lifecycle scenario (k6 Trend/Rate names; the local runner uses the same). */
export const lifecycleMetrics = {
  timerLag: 'lifecycle_timer_lag',
  broadcastLatency: 'lifecycle_broadcast_latency',
  delivery: 'lifecycle_delivery',
  gamesOk: 'lifecycle_games_ok',
} as const;

/** Every threshold of one scenario. */
export function thresholdsFor(s: Scenario): ThresholdSpec[] {
  if (s.executor === 'shared-iterations') {
    const tags = { scenario: s.name };
    return [
      {
        metric: 'http_req_failed',
        tags: { scenario: s.name, endpoint: 'events' },
        stat: 'rate',
        op: '<',
        value: slo.errorRatePct / 100,
        basis: 'SLO error rate',
        abortOnFail: true,
      },
      {
        metric: lifecycleMetrics.timerLag,
        tags,
        stat: 'p(95)',
        op: '<',
        value: slo.timerLagP95Ms,
        basis: 'SLO timer execution',
      },
      {
        metric: lifecycleMetrics.broadcastLatency,
        tags,
        stat: 'p(95)',
        op: '<',
        value: slo.broadcastP95Ms,
        basis: 'SLO broadcast latency',
      },
      {
        metric: lifecycleMetrics.delivery,
        tags,
        stat: 'rate',
        op: '>',
        value: slo.deliveryPct / 100,
        basis: 'SLO PubNub delivery',
      },
      {
        metric: lifecycleMetrics.gamesOk,
        tags,
        stat: 'rate',
        op: '>=',
        value: guards.lifecycleGamesOkPct / 100,
        basis: 'guard: every game completes, in order, without gaps',
      },
    ];
  }
  const tags = { scenario: s.name, endpoint: endpointTag(s.endpoint) };
  return [
    {
      metric: 'http_req_duration',
      tags,
      stat: 'p(95)',
      op: '<',
      value: slo.ingestP95Ms,
      basis: 'SLO trigger (event accepted by the API)',
      abortOnFail: true,
    },
    {
      metric: 'http_req_duration',
      tags,
      stat: 'p(99)',
      op: '<',
      value: guards.ingestP99Ms,
      basis: 'guard: p99 per endpoint',
    },
    {
      metric: 'http_req_failed',
      tags,
      stat: 'rate',
      op: '<',
      value: slo.errorRatePct / 100,
      basis: 'SLO error rate',
      abortOnFail: true,
    },
    {
      metric: 'dropped_iterations',
      tags: { scenario: s.name },
      stat: 'count',
      op: '<=',
      value: Math.floor((plannedIterations(s) * guards.droppedIterationsPct) / 100),
      basis: `guard: at most ${guards.droppedIterationsPct}% of ${plannedIterations(s)} planned iterations dropped`,
    },
  ];
}

/** `http_req_duration{endpoint:events,scenario:ingest}`: k6's key for a metric restricted to tags. */
export function thresholdKey(t: Pick<ThresholdSpec, 'metric' | 'tags'>): string {
  const tags = Object.keys(t.tags)
    .sort()
    .map((k) => `${k}:${t.tags[k] ?? ''}`);
  return tags.length === 0 ? t.metric : `${t.metric}{${tags.join(',')}}`;
}

/** `p(95)<500`: k6's threshold expression. */
export function thresholdExpression(t: Pick<ThresholdSpec, 'stat' | 'op' | 'value'>): string {
  return `${t.stat}${t.op}${t.value}`;
}

export function passes(t: Pick<ThresholdSpec, 'op' | 'value'>, observed: number): boolean {
  if (Number.isNaN(observed)) return false;
  switch (t.op) {
    case '<':
      return observed < t.value;
    case '<=':
      return observed <= t.value;
    case '>':
      return observed > t.value;
    case '>=':
      return observed >= t.value;
  }
}

// ---------------------------------------------------------------- k6 options

interface K6ScenarioBase {
  exec?: string;
  tags?: { [name: string]: string };
  gracefulStop?: string;
}

/** k6's scenario objects, as far as these scenarios use them (@types/k6 checks the scripts' options). */
export type K6Scenario =
  | (K6ScenarioBase & {
      executor: 'constant-arrival-rate';
      rate: number;
      timeUnit: string;
      duration: string;
      preAllocatedVUs: number;
      maxVUs: number;
    })
  | (K6ScenarioBase & {
      executor: 'ramping-arrival-rate';
      startRate: number;
      timeUnit: string;
      stages: { duration: string; target: number }[];
      preAllocatedVUs: number;
      maxVUs: number;
    })
  | (K6ScenarioBase & {
      executor: 'shared-iterations';
      vus: number;
      iterations: number;
      maxDuration: string;
    });

/** A threshold in k6's object form. */
export interface K6Threshold {
  threshold: string;
  abortOnFail: boolean;
  delayAbortEval: string;
}

export interface K6Options {
  scenarios: { [name: string]: K6Scenario };
  thresholds: { [name: string]: (string | K6Threshold)[] };
  summaryTrendStats: string[];
  setupTimeout: string;
}

function k6Scenario(s: Scenario): K6Scenario {
  switch (s.executor) {
    case 'constant-arrival-rate':
      return {
        executor: s.executor,
        rate: s.rate,
        timeUnit: '1s',
        duration: `${s.durationS}s`,
        preAllocatedVUs: s.preAllocatedVUs,
        maxVUs: s.maxVUs,
        gracefulStop: '10s',
      };
    case 'ramping-arrival-rate':
      return {
        executor: s.executor,
        startRate: s.startRate,
        timeUnit: '1s',
        stages: s.stages.map((st) => ({ duration: `${st.durationS}s`, target: st.target })),
        preAllocatedVUs: s.preAllocatedVUs,
        maxVUs: s.maxVUs,
        gracefulStop: '10s',
      };
    case 'shared-iterations':
      return {
        executor: s.executor,
        vus: s.vus,
        iterations: s.games,
        maxDuration: `${s.maxDurationS}s`,
        gracefulStop: '30s',
      };
  }
}

/** The k6 `options` of a script that runs one scenario. */
export function k6Options(
  name: ScenarioName,
  env: Readonly<Record<string, string | undefined>> = {},
): K6Options {
  const s = scenarioByName(name, env);
  const thresholds: { [name: string]: (string | K6Threshold)[] } = {};
  for (const t of thresholdsFor(s)) {
    const key = thresholdKey(t);
    const expression = thresholdExpression(t);
    const entry = t.abortOnFail
      ? { threshold: expression, abortOnFail: true, delayAbortEval: abortDelay }
      : expression;
    thresholds[key] = [...(thresholds[key] ?? []), entry];
  }
  return {
    scenarios: { [name]: k6Scenario(s) },
    thresholds,
    summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(95)', 'p(99)'],
    setupTimeout: '120s',
  };
}

// ---------------------------------------------------------------- events

/** One event as POST /v1/events takes it. */
export interface ApiEvent {
  type: string;
  gameId: string;
  data: Record<string, string | number>;
}

/** The i-th event of the arrival scenarios: a vote in one of `gameIds`, round-robin. */
export function arrivalEvent(gameIds: readonly string[], i: number): ApiEvent {
  return {
    type: 'vote_cast',
    gameId: gameIds[i % gameIds.length] ?? '',
    data: { voterId: `p${i % 8}`, drawingId: `d${i % 5}`, round: 1 },
  };
}

/** The body of the i-th request of an arrival scenario. */
export function arrivalBody(s: ArrivalScenario, gameIds: readonly string[], i: number): string {
  if (s.endpoint === 'events') return JSON.stringify(arrivalEvent(gameIds, i));
  const events: ApiEvent[] = [];
  for (let k = 0; k < s.eventsPerRequest; k += 1)
    events.push(arrivalEvent(gameIds, i * s.eventsPerRequest + k));
  return JSON.stringify({ events });
}

/** What a player does in the lifecycle scenario, in each phase. */
export function playerEvents(
  gameId: string,
  phase: 'waiting' | 'drawing' | 'voting',
  round: number,
  players: number,
): ApiEvent[] {
  const out: ApiEvent[] = [];
  for (let p = 1; p <= players; p += 1) {
    const playerId = `player-${p}`;
    if (phase === 'waiting')
      out.push({ type: 'player_joined', gameId, data: { playerId, displayName: `Player ${p}` } });
    if (phase === 'drawing')
      out.push({
        type: 'drawing_submitted',
        gameId,
        data: { playerId, round, drawingId: `r${round}-${playerId}` },
      });
    if (phase === 'voting')
      out.push({
        type: 'vote_cast',
        gameId,
        data: { voterId: playerId, drawingId: `r${round}-player-${(p % players) + 1}`, round },
      });
  }
  return out;
}

// ---------------------------------------------------------------- lifecycle analysis

/** One item of PubNub's history (GET /v3/history/sub-key/{sub}/channel/{channel}). */
export interface HistoryItem {
  message: unknown;
  timetoken: string;
}

interface Envelope {
  eventId: string;
  type: string;
  gameId: string;
  sequence: number;
  occurredAt: string;
  data: Record<string, unknown>;
}

function asEnvelope(message: unknown): Envelope | null {
  if (typeof message !== 'object' || message === null) return null;
  const m = message as Record<string, unknown>;
  const data = m['data'];
  if (
    m['version'] !== '2.0.0' ||
    typeof m['eventId'] !== 'string' ||
    typeof m['type'] !== 'string' ||
    typeof m['gameId'] !== 'string' ||
    typeof m['sequence'] !== 'number' ||
    typeof m['occurredAt'] !== 'string' ||
    typeof data !== 'object' ||
    data === null
  )
    return null;
  return {
    eventId: m['eventId'],
    type: m['type'],
    gameId: m['gameId'],
    sequence: m['sequence'],
    occurredAt: m['occurredAt'],
    data: data as Record<string, unknown>,
  };
}

/** PubNub timetoken (100 ns units, a 17-digit string) in epoch milliseconds, without BigInt. */
export function timetokenMs(timetoken: string): number {
  return timetoken.length > 4 ? Number(timetoken.slice(0, -4)) : Number.NaN;
}

/** Latest phase a game's history shows (`waiting` before the first phase_changed), and its round. */
export function currentPhase(items: readonly HistoryItem[]): { status: string; round: number } {
  let status = 'waiting';
  let round = 1;
  for (const item of items) {
    const e = asEnvelope(item.message);
    if (e?.type !== 'phase_changed') continue;
    status = String(e.data['to']);
    round = Number(e.data['round']);
  }
  return { status, round };
}

export interface GameReport {
  /** Every expected event arrived, once after dropping repeats, in sequence order without gaps, and the game completed. */
  ok: boolean;
  problems: string[];
  expected: number;
  delivered: number;
  timerLagsMs: number[];
  broadcastLatenciesMs: number[];
}

const timedNext: Record<string, string> = { briefing: 'drawing', drawing: 'voting', voting: 'results' };

/**
 * Checks one game's channel history against the contract: v2.0.0 envelopes,
 * repeats dropped by eventId, sequences 1, 2, 3 … in publish order, the phase
 * machine followed to `completed`, and every event the players sent present.
 * Timer lag: a phase's start minus the previous phase's `phaseExpiresAt`.
 * Broadcast latency: PubNub's timetoken minus the event's `occurredAt`.
 */
export function analyseGame(
  gameId: string,
  items: readonly HistoryItem[],
  sentEventIds: readonly string[],
  game: Pick<GameSpec, 'totalRounds'>,
): GameReport {
  const problems: string[] = [];
  const seen: Record<string, boolean> = {};
  const events: { e: Envelope; tt: string }[] = [];
  for (const item of items) {
    const e = asEnvelope(item.message);
    if (!e) {
      problems.push('a message is not a v2.0.0 envelope');
      continue;
    }
    if (seen[e.eventId]) continue;
    seen[e.eventId] = true;
    if (e.gameId !== gameId) problems.push(`event ${e.eventId} names game ${e.gameId}`);
    events.push({ e, tt: item.timetoken });
  }
  events.forEach(({ e }, i) => {
    if (e.sequence !== i + 1) problems.push(`sequence ${e.sequence} at position ${i + 1}`);
  });

  const timerLagsMs: number[] = [];
  const broadcastLatenciesMs: number[] = [];
  let status = 'waiting';
  let round = 1;
  let expiresAt: string | null = null;
  let phaseEvents = 0;
  for (const { e, tt } of events) {
    broadcastLatenciesMs.push(timetokenMs(tt) - Date.parse(e.occurredAt));
    if (e.type !== 'phase_changed') continue;
    phaseEvents += 1;
    const from = String(e.data['from']);
    const to = String(e.data['to']);
    const eventRound = Number(e.data['round']);
    let want: string | undefined;
    if (status === 'waiting') want = 'briefing';
    else if (status === 'results') want = round < game.totalRounds ? 'briefing' : 'completed';
    else want = timedNext[status];
    if (from !== status || to !== want)
      problems.push(`phase ${from} -> ${to} after ${status} (want ${status} -> ${want ?? '?'})`);
    const wantRound = status === 'results' && to === 'briefing' ? round + 1 : round;
    if (eventRound !== wantRound)
      problems.push(`round ${eventRound} after ${from} -> ${to} (want ${wantRound})`);
    if (status !== 'waiting' && expiresAt !== null)
      timerLagsMs.push(Date.parse(e.occurredAt) - Date.parse(expiresAt));
    status = to;
    round = eventRound;
    const next = e.data['phaseExpiresAt'];
    expiresAt = typeof next === 'string' ? next : null;
  }
  if (status !== 'completed') problems.push(`ended in ${status}, round ${round}`);

  const missing = sentEventIds.filter((id) => !seen[id]);
  if (missing.length > 0) problems.push(`${missing.length} of ${sentEventIds.length} sent events missing`);
  const expectedPhases = 1 + 4 * game.totalRounds;
  const expected = sentEventIds.length + expectedPhases;
  const delivered = sentEventIds.length - missing.length + Math.min(phaseEvents, expectedPhases);
  return { ok: problems.length === 0, problems, expected, delivered, timerLagsMs, broadcastLatenciesMs };
}

// ---------------------------------------------------------------- summary

/** The part of k6's end-of-test summary data (handleSummary's argument) the report reads. */
export interface K6SummaryData {
  state?: { testRunDurationMs?: number };
  metrics: {
    [name: string]: {
      type?: string;
      values?: { [stat: string]: number };
      thresholds?: { [expression: string]: { ok: boolean } };
    };
  };
}

export interface SummaryReport {
  scenario: ScenarioName;
  /** Where the run went (never the tokens). */
  target: { [name: string]: string };
  durationS: number;
  ok: boolean;
  thresholds: { key: string; expression: string; ok: boolean }[];
  metrics: { [name: string]: { [stat: string]: number } };
}

/** handleSummary's report: every threshold with its verdict, and the metrics' values. */
export function summaryReport(
  name: ScenarioName,
  data: K6SummaryData,
  target: { [name: string]: string },
): SummaryReport {
  const thresholds: SummaryReport['thresholds'] = [];
  const metrics: SummaryReport['metrics'] = {};
  for (const key of Object.keys(data.metrics).sort()) {
    const metric = data.metrics[key];
    if (metric?.values) metrics[key] = metric.values;
    for (const expression of Object.keys(metric?.thresholds ?? {}))
      thresholds.push({ key, expression, ok: metric?.thresholds?.[expression]?.ok === true });
  }
  return {
    scenario: name,
    target,
    durationS: Math.round((data.state?.testRunDurationMs ?? 0) / 1000),
    ok: thresholds.every((t) => t.ok),
    thresholds,
    metrics,
  };
}

/** The report as a few lines for the terminal (handleSummary replaces k6's own summary). */
export function summaryText(report: SummaryReport): string {
  const breached = report.thresholds.filter((t) => !t.ok);
  const lines = [
    `k6 ${report.scenario}: ${report.thresholds.length - breached.length} of ${report.thresholds.length} thresholds met in ${report.durationS} s${breached.length > 0 ? ' - BREACHED:' : ''}`,
    ...breached.map((t) => `  ${t.key} ${t.expression}`),
  ];
  for (const [key, values] of Object.entries(report.metrics)) {
    if (!/^(http_req_duration|http_req_failed|http_reqs|dropped_iterations|lifecycle_)/.test(key)) continue;
    const stats = Object.entries(values)
      .map(([stat, v]) => `${stat}=${Number.isInteger(v) ? v : v.toFixed(3)}`)
      .join(' ');
    lines.push(`  ${key}: ${stats}`);
  }
  return `${lines.join('\n')}\n`;
}
