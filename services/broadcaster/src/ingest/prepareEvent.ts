import { randomUUID } from 'node:crypto';
import type { FieldIssue } from '../errors.ts';
import { eventCatalogue, type ApiEventInput } from '../events/catalogue.ts';
import { channelFor } from '../events/channels.ts';
import { envelopeBytes, maxEnvelopeBytes } from '../events/envelope.ts';

/** An accepted event, ready for the outbox; the sequence comes from the database. */
export interface PreparedEvent {
  eventId: string;
  type: string;
  /** The game the event belongs to (game and presence events); must exist. Lower case. */
  gameId: string | null;
  /** Game events take the game's next sequence; presence and user events none. */
  sequenced: boolean;
  channel: string;
  data: Record<string, unknown>;
  /** JSON.stringify(data), computed once. */
  dataJson: string;
  requestId: string;
  /** ISO-8601 in UTC, or null for "now" (database clock). */
  occurredAt: string | null;
}

const placeholderTime = '2000-01-01T00:00:00.000Z';

export function prepareEvent(
  input: ApiEventInput,
  requestId: string,
  newId: () => string = randomUUID,
): PreparedEvent {
  const { scope } = eventCatalogue[input.type];
  const gameId = input.gameId?.toLowerCase() ?? null;
  const channel =
    scope === 'user'
      ? channelFor({ scope, userId: input.userId ?? '' })
      : channelFor({ scope, gameId: gameId ?? '' });
  return {
    eventId: newId(),
    type: input.type,
    gameId,
    sequenced: scope === 'game',
    channel,
    data: input.data,
    dataJson: JSON.stringify(input.data),
    requestId,
    occurredAt: input.occurredAt === undefined ? null : new Date(input.occurredAt).toISOString(),
  };
}

/** Events whose envelope would exceed PubNub's 32 KiB message limit. */
export function oversizeIssues(events: readonly PreparedEvent[], batch: boolean): FieldIssue[] {
  const issues: FieldIssue[] = [];
  events.forEach((event, i) => {
    const bytes = envelopeBytes(
      {
        eventId: event.eventId,
        type: event.type,
        gameId: event.sequenced ? event.gameId : null,
        channel: event.channel,
        occurredAt: event.occurredAt ?? placeholderTime,
        requestId: event.requestId,
        source: 'api',
      },
      event.dataJson,
    );
    if (bytes > maxEnvelopeBytes) {
      issues.push({
        path: batch ? `events.${i}` : '(body)',
        code: 'too_big',
        message: `event is ${bytes} bytes as a v2.0.0 envelope; the limit is ${maxEnvelopeBytes}`,
      });
    }
  });
  return issues;
}
