/**
 * The v2.0.0 envelopes a player reads (docs/contract.md), checked at the edge:
 * whatever PubNub or the catch-up API hands over is `unknown` until it has the
 * fields the ordering depends on.
 */
export interface GameEvent {
  version: string;
  eventId: string;
  type: string;
  gameId: string;
  sequence: number;
  occurredAt: string;
  requestId?: string;
  source?: string;
  data: Record<string, unknown>;
}

/** An event on `user.<userId>`: no sequence, delivered once by `eventId` as it arrives. */
export interface UserEvent {
  version: string;
  eventId: string;
  type: string;
  userId: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function common(value: unknown): Record<string, unknown> | null {
  if (!isRecord(value)) return null;
  const ok =
    typeof value['eventId'] === 'string' &&
    value['eventId'] !== '' &&
    typeof value['type'] === 'string' &&
    typeof value['version'] === 'string' &&
    typeof value['occurredAt'] === 'string';
  return ok ? value : null;
}

function dataOf(value: Record<string, unknown>): Record<string, unknown> {
  const data = value['data'];
  return isRecord(data) ? data : {};
}

/** `value` as an event of game `gameId`, or null (another game's, or not an envelope). */
export function asGameEvent(value: unknown, gameId: string): GameEvent | null {
  const v = common(value);
  if (v === null) return null;
  const sequence = v['sequence'];
  if (typeof v['gameId'] !== 'string' || v['gameId'].toLowerCase() !== gameId.toLowerCase()) return null;
  if (typeof sequence !== 'number' || !Number.isSafeInteger(sequence) || sequence < 1) return null;
  const event: GameEvent = {
    version: v['version'] as string,
    eventId: v['eventId'] as string,
    type: v['type'] as string,
    gameId: v['gameId'],
    sequence,
    occurredAt: v['occurredAt'] as string,
    data: dataOf(v),
  };
  if (typeof v['requestId'] === 'string') event.requestId = v['requestId'];
  if (typeof v['source'] === 'string') event.source = v['source'];
  return event;
}

/** `value` as an event for user `userId`, or null. */
export function asUserEvent(value: unknown, userId: string): UserEvent | null {
  const v = common(value);
  if (v === null || v['userId'] !== userId) return null;
  return {
    version: v['version'] as string,
    eventId: v['eventId'] as string,
    type: v['type'] as string,
    userId,
    occurredAt: v['occurredAt'] as string,
    data: dataOf(v),
  };
}

/** The statuses after which a game has no timed phase left (docs/contract.md). */
const finalStatuses: ReadonlySet<unknown> = new Set(['completed', 'cancelled']);

/** Whether `event` moves the game to a final status. */
export function endsGame(event: GameEvent): boolean {
  return event.type === 'phase_changed' && finalStatuses.has(event.data['to']);
}
