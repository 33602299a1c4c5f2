import { createClient, RealtimeApiError } from '@sketchyaf/realtime-client';

const realtime = createClient({
  baseUrl: process.env['BROADCASTER_URL'] ?? 'http://127.0.0.1:8080',
  token: process.env['BROADCAST_API_TOKEN'] ?? 'dev-token-change-me',
});
const gameId = process.env['GAME_ID'] ?? '<gameId>';

// One event. The client adds an Idempotency-Key and retries timeouts, cut
// connections, 429 and 503 (after Retry-After) with it: never a duplicate.
const joined = await realtime.send({
  type: 'player_joined',
  gameId,
  data: { playerId: 'p1', displayName: 'Ann' },
});
console.log(`player_joined #${joined.sequence} on ${joined.channel}`);

// Several events, all written or none; answered once PubNub has them (or after 5 s).
const batch = await realtime.sendBatch(
  [
    { type: 'drawing_submitted', gameId, data: { playerId: 'p1', round: 1, drawingId: 'd-1' } },
    { type: 'vote_cast', gameId, data: { voterId: 'p2', drawingId: 'd-1', round: 1 } },
  ],
  { waitForDelivery: { timeoutMs: 5000 } },
);
console.log(batch.events.map((e) => `#${e.sequence} ${e.deliveryState}`).join(', '));

// Your own key makes a retry safe across restarts of your backend too: the API
// answers it with the first answer and writes nothing (for 24 h).
const invite = {
  type: 'user_notification',
  userId: 'alice',
  data: { kind: 'friend_invite', title: 'Ann invited you' },
} as const;
const first = await realtime.send(invite, { idempotencyKey: `invite-${gameId}-alice` });
const again = await realtime.send(invite, { idempotencyKey: `invite-${gameId}-alice` });
console.log(`replayed: ${again.replayed}, same event: ${again.eventId === first.eventId}`);

// Errors are typed; `kind` says what to do (validation: fix the request, never retried).
try {
  await realtime.send({ type: 'vote_cast', gameId, data: { voterId: 'p2', drawingId: 'd-1', round: 0 } });
} catch (err) {
  if (!(err instanceof RealtimeApiError) || err.kind !== 'validation') throw err;
  console.log(`${err.status} ${err.code}: ${JSON.stringify(err.details)}`);
}
