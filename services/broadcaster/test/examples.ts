/** A valid example of every API event type (for a game `gameId`): the catalogue is checked against it. */
export function exampleEvents(gameId: string): Record<string, Record<string, unknown>> {
  return {
    player_joined: {
      type: 'player_joined',
      gameId,
      data: { playerId: 'p1', displayName: 'Ann', avatarUrl: 'https://cdn.example.com/a.png' },
    },
    player_left: { type: 'player_left', gameId, data: { playerId: 'p1', reason: 'kicked' } },
    drawing_submitted: {
      type: 'drawing_submitted',
      gameId,
      data: { playerId: 'p1', round: 1, drawingId: 'd-1' },
    },
    vote_cast: { type: 'vote_cast', gameId, data: { voterId: 'p2', drawingId: 'd-1', round: 1 } },
    game_completed: {
      type: 'game_completed',
      gameId,
      data: { winnerIds: ['p1'], scores: [{ playerId: 'p1', score: 10 }] },
    },
    presence_heartbeat: { type: 'presence_heartbeat', gameId, data: { playerId: 'p1', status: 'online' } },
    user_notification: {
      type: 'user_notification',
      userId: 'u-1',
      data: { kind: 'friend_invite', title: 'Hi' },
    },
    canary: {
      type: 'canary',
      userId: 'sketchyaf-canary',
      occurredAt: '2025-01-01T00:00:00+02:00',
      data: { probeId: 'c1', sentAt: '2025-01-01T00:00:00.000Z' },
    },
  };
}

export const examples = exampleEvents('4f9a7a4e-3b1f-4c65-9d55-0c2b8e3f1a77');
