import type { GameEvent } from '../src/envelope.ts';

export const gameId = '0b9a4f8e-58c4-4f3e-8f59-4c1b6d2a7e10';

/** Event `sequence` of the test game, as the relay publishes it. */
export function eventAt(sequence: number, data: Record<string, unknown> = {}): GameEvent {
  return {
    version: '2.0.0',
    eventId: `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`,
    type: 'vote_cast',
    gameId,
    sequence,
    occurredAt: '2026-12-04T10:15:30.123Z',
    data,
  };
}
