import { parseFaultSpec, type FaultSpec } from './faults.ts';
import { silentLogger, type Logger } from './logger.ts';

export interface PubnubLocalOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: an ephemeral port (read it from the handle). */
  port?: number;
  /** Accepted publish keys; default `['pub-c-local']`. Others get 403. */
  publishKeys?: readonly string[];
  /** Accepted subscribe keys; default `['sub-c-local']`. Others get 403. */
  subscribeKeys?: readonly string[];
  /** Messages kept in history per channel; default 1000. */
  historyLimitPerChannel?: number;
  /** Events a subscriber can catch up on per channel (PubNub's queue); default 100. */
  subscribeBufferPerChannel?: number;
  /** Channels kept per keyset in history and in the subscribe buffer; default 10000. */
  maxChannels?: number;
  /** How long an idle subscribe long-poll is held; default 280000 (PubNub's 280 s). */
  longPollTimeoutMs?: number;
  /** Faults in force from the start. */
  faults?: FaultSpec;
  /** Turns Access Manager on: signatures checked, tokens granted and required (see README). */
  secretKey?: string;
  /** The clock (token timestamps and expiry, presence, timetokens); default Date.now. */
  nowMs?: () => number;
  logger?: Logger;
  /** Called once each request has been answered, with what arrived on the wire (conformance tests). */
  onRequest?: (request: RecordedRequest) => void;
}

/** A request as it arrived: raw target, headers, and the body bytes before any Content-Encoding is undone. */
export interface RecordedRequest {
  method: string;
  /** Path and query exactly as sent, percent-encoding intact. */
  url: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Empty when the route did not read a body. */
  body: Buffer;
  /** The status pubnub-local answered. */
  status: number;
}

export interface ResolvedOptions {
  host: string;
  port: number;
  publishKeys: readonly string[];
  subscribeKeys: readonly string[];
  historyLimitPerChannel: number;
  subscribeBufferPerChannel: number;
  maxChannels: number;
  longPollTimeoutMs: number;
  faults: FaultSpec;
  secretKey: string | undefined;
  nowMs: () => number;
  logger: Logger;
  onRequest: ((request: RecordedRequest) => void) | undefined;
}

export class InvalidOptionsError extends Error {
  override name = 'InvalidOptionsError';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid pubnub-local options: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

function integer(
  problems: string[],
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max)
    problems.push(`${name} must be a whole number from ${min} to ${max}`);
  return value;
}

function keys(
  problems: string[],
  name: string,
  value: readonly string[] | undefined,
  fallback: string,
): readonly string[] {
  if (value === undefined) return [fallback];
  if (value.length === 0 || value.some((key) => typeof key !== 'string' || key === '' || /[/?#,]/.test(key)))
    problems.push(`${name} must be a non-empty list of keys without / ? # or ,`);
  return [...value];
}

/** Applies defaults and reports every invalid option at once. */
export function resolveOptions(options: PubnubLocalOptions): ResolvedOptions {
  const problems: string[] = [];
  const resolved: ResolvedOptions = {
    host: options.host ?? '127.0.0.1',
    port: integer(problems, 'port', options.port, 0, 0, 65535),
    publishKeys: keys(problems, 'publishKeys', options.publishKeys, 'pub-c-local'),
    subscribeKeys: keys(problems, 'subscribeKeys', options.subscribeKeys, 'sub-c-local'),
    historyLimitPerChannel: integer(
      problems,
      'historyLimitPerChannel',
      options.historyLimitPerChannel,
      1000,
      1,
      1_000_000,
    ),
    subscribeBufferPerChannel: integer(
      problems,
      'subscribeBufferPerChannel',
      options.subscribeBufferPerChannel,
      100,
      1,
      1_000_000,
    ),
    maxChannels: integer(problems, 'maxChannels', options.maxChannels, 10_000, 1, 10_000_000),
    longPollTimeoutMs: integer(problems, 'longPollTimeoutMs', options.longPollTimeoutMs, 280_000, 1, 290_000),
    faults: {},
    secretKey: options.secretKey,
    nowMs: options.nowMs ?? Date.now,
    logger: options.logger ?? silentLogger,
    onRequest: options.onRequest,
  };
  if (options.secretKey !== undefined && (typeof options.secretKey !== 'string' || options.secretKey === ''))
    problems.push('secretKey must be a non-empty string');
  if (resolved.host === '') problems.push('host must not be empty');
  if (options.faults !== undefined) {
    const parsed = parseFaultSpec(options.faults);
    if (parsed.ok) resolved.faults = parsed.spec;
    else problems.push(...parsed.problems.map((p) => `faults: ${p}`));
  }
  if (problems.length > 0) throw new InvalidOptionsError(problems);
  return resolved;
}
