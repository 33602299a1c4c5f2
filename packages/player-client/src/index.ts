export {
  joinGame,
  systemClock,
  type CatchUpStatus,
  type CaughtUp,
  type Clock,
  type GameSession,
  type JoinOptions,
  type PlayerEvents,
  type PlayerState,
  type PubNubLike,
  type PubNubListener,
} from './playerClient.ts';
export { asGameEvent, asUserEvent, endsGame, type GameEvent, type UserEvent } from './envelope.ts';
export type { CatchUpReason, ConnectionState, SessionConfig } from './session.ts';
