import { parseChannel } from './channels.ts';

export const envelopeVersion = '2.0.0';
/** PubNub's message limit; applied to the serialized envelope. */
export const maxEnvelopeBytes = 32 * 1024;

export type EventSource = 'timer-monitor' | 'database' | 'api';

/** What every message published to PubNub looks like (docs/contract.md, "Events: the v2.0.0 envelope"). */
export interface Envelope {
  version: typeof envelopeVersion;
  eventId: string;
  type: string;
  gameId?: string;
  userId?: string;
  sequence?: number;
  occurredAt: string;
  requestId: string;
  source: EventSource;
  data: unknown;
}

/** The columns of a realtime_outbox row that make up its envelope. */
export interface EnvelopeFields {
  eventId: string;
  type: string;
  gameId: string | null;
  sequence: number | null;
  channel: string;
  occurredAt: Date | string;
  requestId: string;
  source: EventSource;
  data: unknown;
}

/**
 * Builds the envelope. Game events carry gameId and sequence; presence events
 * their gameId (from the channel) without a sequence; user events userId.
 * Keys are in the documented order.
 */
export function buildEnvelope(fields: EnvelopeFields): Envelope {
  const envelope: Envelope = {
    version: envelopeVersion,
    eventId: fields.eventId,
    type: fields.type,
    occurredAt: typeof fields.occurredAt === 'string' ? fields.occurredAt : fields.occurredAt.toISOString(),
    requestId: fields.requestId,
    source: fields.source,
    data: fields.data,
  };
  const target = parseChannel(fields.channel);
  if (fields.gameId !== null) {
    return orderKeys({
      ...envelope,
      gameId: fields.gameId,
      ...(fields.sequence !== null ? { sequence: fields.sequence } : {}),
    });
  }
  if (target?.scope === 'presence') return orderKeys({ ...envelope, gameId: target.gameId });
  if (target?.scope === 'user') return orderKeys({ ...envelope, userId: target.userId });
  return envelope;
}

const keyOrder: readonly (keyof Envelope)[] = [
  'version',
  'eventId',
  'type',
  'gameId',
  'userId',
  'sequence',
  'occurredAt',
  'requestId',
  'source',
  'data',
];

function orderKeys(envelope: Envelope): Envelope {
  const ordered: Record<string, unknown> = {};
  for (const key of keyOrder) if (envelope[key] !== undefined) ordered[key] = envelope[key];
  return ordered as unknown as Envelope;
}

/** The largest sequence the size check assumes, so that a later, longer sequence still fits. */
const worstCaseSequence = Number.MAX_SAFE_INTEGER;

/**
 * Bytes the event will take on the wire, counted before its sequence is
 * known (assuming the longest one). `dataJson` is JSON.stringify(data),
 * computed once by the caller. The ingest API refuses events above
 * maxEnvelopeBytes so that PubNub never does.
 */
export function envelopeBytes(fields: Omit<EnvelopeFields, 'sequence' | 'data'>, dataJson: string): number {
  const sequence = fields.gameId !== null ? worstCaseSequence : null;
  const skeleton = JSON.stringify(buildEnvelope({ ...fields, sequence, data: null }));
  return Buffer.byteLength(skeleton) - 'null'.length + Buffer.byteLength(dataJson);
}
