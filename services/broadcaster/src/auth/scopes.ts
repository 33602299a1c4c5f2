import { apiEventTypes, eventCatalogue, type EventType } from '../events/catalogue.ts';

/**
 * What a client may do. `events:game` posts every game and presence event
 * (they name a game), `events:user` every user event (they name a user),
 * `event:<type>` that one type only, `admin` the admin API, `tokens:grant`
 * POST /v1/access-tokens (player tokens), `events:read` GET /v1/games/:id/events
 * (catch-up, any game). Granting both `events:game` and
 * `event:vote_cast` is allowed (and redundant).
 */
export type Scope =
  'events:game' | 'events:user' | 'events:read' | 'admin' | 'tokens:grant' | `event:${EventType}`;

/** What a plain BROADCAST_API_TOKENS token may do: everything but the admin API. */
export const defaultClientScopes: readonly Scope[] = Object.freeze(['events:game', 'events:user']);
/**
 * The same with Access Manager on (PUBNUB_SECRET_KEY): granting player tokens is
 * then a non-admin capability of the game backend too. Without a secret key there
 * is nothing to grant, so the plain token list keeps its former scopes.
 */
export const defaultClientScopesWithGrants: readonly Scope[] = Object.freeze([
  ...defaultClientScopes,
  'tokens:grant',
]);
export const adminScopes: readonly Scope[] = Object.freeze(['admin']);

const classScopes: readonly string[] = ['events:game', 'events:user', 'events:read', 'admin', 'tokens:grant'];

/** The scope itself when `value` names one; null otherwise (unknown type, typo, …). */
export function parseScope(value: string): Scope | null {
  if (classScopes.includes(value)) return value as Scope;
  const type = value.startsWith('event:') ? value.slice('event:'.length) : null;
  return type !== null && (apiEventTypes as readonly string[]).includes(type) ? (value as Scope) : null;
}

/** What the message of a config error says a scope may be (no value quoted). */
export const scopeSyntax = `events:game, events:user, events:read, admin, tokens:grant or event:<type> (types: ${apiEventTypes.join(', ')})`;

/** The broad scope that covers every event of `type`'s kind. */
export function classScopeOf(type: EventType): 'events:game' | 'events:user' {
  return eventCatalogue[type].scope === 'user' ? 'events:user' : 'events:game';
}

export function allowsEvent(scopes: ReadonlySet<Scope>, type: EventType): boolean {
  return scopes.has(classScopeOf(type)) || scopes.has(`event:${type}`);
}

export interface MissingScope {
  /** The broad scope that would allow the event (`event:<type>` would too). */
  missingScope: 'events:game' | 'events:user';
  type: EventType;
  /** Position of the event in its batch; 0 for a single event. */
  index: number;
}

/** The first event the scopes do not allow (a batch needs all of them), or null. */
export function firstMissingScope(
  scopes: ReadonlySet<Scope>,
  types: readonly EventType[],
): MissingScope | null {
  const index = types.findIndex((type) => !allowsEvent(scopes, type));
  const type = types[index];
  return type === undefined ? null : { missingScope: classScopeOf(type), type, index };
}
