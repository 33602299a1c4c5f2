/**
 * The phase rules of a game, as the `games` triggers enforce them
 * (realtime_allowed_next_statuses, realtime_games_before_write,
 * realtime_next_timed_status). Pure: a parity test runs every pair against
 * the real trigger, so the two cannot drift apart unnoticed.
 */
export const gameStatuses = [
  'waiting',
  'briefing',
  'drawing',
  'voting',
  'results',
  'completed',
  'cancelled',
] as const;
export type GameStatus = (typeof gameStatuses)[number];

/** Statuses with a phase timer; the others wait for a writer. */
export const timedStatuses: readonly GameStatus[] = ['briefing', 'drawing', 'voting', 'results'];

const allowed: Readonly<Record<GameStatus, readonly GameStatus[]>> = {
  waiting: ['briefing', 'cancelled'],
  briefing: ['drawing', 'cancelled'],
  drawing: ['voting', 'cancelled'],
  voting: ['results', 'cancelled'],
  results: ['briefing', 'completed', 'cancelled'],
  completed: [],
  cancelled: [],
};

/** Where a game may go from `from`, whatever its round (realtime_allowed_next_statuses). */
export function allowedNextStatuses(from: GameStatus): readonly GameStatus[] {
  return allowed[from];
}

export interface Rounds {
  currentRound: number;
  totalRounds: number;
}

/**
 * Whether a write may change a game's status from `from` to `to`. The same
 * status is no transition and always passes; results -> briefing needs a
 * round left, results -> completed needs none left.
 */
export function transitionAllowed(from: GameStatus, to: GameStatus, rounds: Rounds): boolean {
  if (from === to) return true;
  if (!allowed[from].includes(to)) return false;
  const roundsLeft = rounds.currentRound < rounds.totalRounds;
  if (from === 'results' && to === 'briefing') return roundsLeft;
  if (from === 'results' && to === 'completed') return !roundsLeft;
  return true;
}

/** The status a timed phase ends in; null for a status without a timer (realtime_next_timed_status). */
export function nextTimedStatus(status: GameStatus, rounds: Rounds): GameStatus | null {
  switch (status) {
    case 'briefing':
      return 'drawing';
    case 'drawing':
      return 'voting';
    case 'voting':
      return 'results';
    case 'results':
      return rounds.currentRound < rounds.totalRounds ? 'briefing' : 'completed';
    default:
      return null;
  }
}
