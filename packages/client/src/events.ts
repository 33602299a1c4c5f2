// Generated from the event catalogue (services/broadcaster/src/events/catalogue.ts)
// by `npm run client:types`; do not edit: a test fails when this file is stale.

/** `data` of `player_joined` events. */
export interface PlayerJoinedData {
  /** matches `^[A-Za-z0-9_-]{1,64}$` */
  playerId: string;
  /** 1 to 64 characters */
  displayName: string;
  /** URL; at most 2048 characters */
  avatarUrl?: string;
}

/** A player joined the game. */
export interface PlayerJoinedEvent {
  type: 'player_joined';
  /** ISO 8601 date-time with offset */
  occurredAt?: string;
  data: PlayerJoinedData;
  /** uuid */
  gameId: string;
}

/** `data` of `player_left` events. */
export interface PlayerLeftData {
  /** matches `^[A-Za-z0-9_-]{1,64}$` */
  playerId: string;
  reason?: 'left' | 'kicked' | 'disconnected';
}

/** A player left, was kicked or dropped. */
export interface PlayerLeftEvent {
  type: 'player_left';
  /** ISO 8601 date-time with offset */
  occurredAt?: string;
  data: PlayerLeftData;
  /** uuid */
  gameId: string;
}

/** `data` of `drawing_submitted` events. */
export interface DrawingSubmittedData {
  /** matches `^[A-Za-z0-9_-]{1,64}$` */
  playerId: string;
  /** integer; 1 to 1000 */
  round: number;
  /** matches `^[A-Za-z0-9_-]{1,64}$` */
  drawingId: string;
  /** URL; at most 2048 characters */
  imageUrl?: string;
}

/** A player submitted a drawing for a round. */
export interface DrawingSubmittedEvent {
  type: 'drawing_submitted';
  /** ISO 8601 date-time with offset */
  occurredAt?: string;
  data: DrawingSubmittedData;
  /** uuid */
  gameId: string;
}

/** `data` of `vote_cast` events. */
export interface VoteCastData {
  /** matches `^[A-Za-z0-9_-]{1,64}$` */
  voterId: string;
  /** matches `^[A-Za-z0-9_-]{1,64}$` */
  drawingId: string;
  /** integer; 1 to 1000 */
  round: number;
}

/** A player voted for a drawing. */
export interface VoteCastEvent {
  type: 'vote_cast';
  /** ISO 8601 date-time with offset */
  occurredAt?: string;
  data: VoteCastData;
  /** uuid */
  gameId: string;
}

/** `data` of `game_completed` events. */
export interface GameCompletedData {
  /** at most 100 items; each: matches `^[A-Za-z0-9_-]{1,64}$` */
  winnerIds: string[];
  /** at most 100 items */
  scores: {
    /** matches `^[A-Za-z0-9_-]{1,64}$` */
    playerId: string;
    /** integer; -1000000 to 1000000 */
    score: number;
  }[];
}

/** Final results of a game. */
export interface GameCompletedEvent {
  type: 'game_completed';
  /** ISO 8601 date-time with offset */
  occurredAt?: string;
  data: GameCompletedData;
  /** uuid */
  gameId: string;
}

/** `data` of `presence_heartbeat` events. */
export interface PresenceHeartbeatData {
  /** matches `^[A-Za-z0-9_-]{1,64}$` */
  playerId: string;
  status: 'online' | 'away';
}

/** A player is still connected (not sequenced; goes to presence.<gameId>). */
export interface PresenceHeartbeatEvent {
  type: 'presence_heartbeat';
  /** ISO 8601 date-time with offset */
  occurredAt?: string;
  data: PresenceHeartbeatData;
  /** uuid */
  gameId: string;
}

/** `data` of `user_notification` events. */
export interface UserNotificationData {
  /** matches `^[a-z][a-z0-9_]{0,63}$` */
  kind: string;
  /** 1 to 200 characters */
  title: string;
  /** 1 to 16000 characters */
  body?: string;
  /** uuid */
  gameId?: string;
  /** URL; at most 2048 characters */
  link?: string;
}

/** A message for one user (goes to user.<userId>). */
export interface UserNotificationEvent {
  type: 'user_notification';
  /** ISO 8601 date-time with offset */
  occurredAt?: string;
  data: UserNotificationData;
  /** matches `^[A-Za-z0-9_-]{1,64}$` */
  userId: string;
}

/** `data` of `canary` events. */
export interface CanaryData {
  /** 1 to 128 characters */
  probeId: string;
  /** ISO 8601 date-time with offset */
  sentAt: string;
}

/** Synthetic probe of the whole pipeline (the health service subscribes to user.<userId>). */
export interface CanaryEvent {
  type: 'canary';
  /** ISO 8601 date-time with offset */
  occurredAt?: string;
  data: CanaryData;
  /** matches `^[A-Za-z0-9_-]{1,64}$` */
  userId: string;
}

/** Every event the API accepts. */
export type RealtimeEvent =
  | PlayerJoinedEvent
  | PlayerLeftEvent
  | DrawingSubmittedEvent
  | VoteCastEvent
  | GameCompletedEvent
  | PresenceHeartbeatEvent
  | UserNotificationEvent
  | CanaryEvent;

export type RealtimeEventType = RealtimeEvent['type'];

export const realtimeEventTypes = [
  'player_joined',
  'player_left',
  'drawing_submitted',
  'vote_cast',
  'game_completed',
  'presence_heartbeat',
  'user_notification',
  'canary',
] as const satisfies readonly RealtimeEventType[];
