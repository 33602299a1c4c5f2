import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { createPubnubCore } from './core.ts';
import {
  applyFaultSpec,
  decideFault,
  noFaults,
  pruneExpired,
  type ActiveFaults,
  type FaultSpec,
} from './faults.ts';
import { sendForbidden, sendJson, sendPublishError, sendServiceError } from './http/respond.ts';
import { parseTarget } from './http/target.ts';
import { openListener, type Listener } from './listener.ts';
import { resolveOptions, type PubnubLocalOptions } from './options.ts';
import { handleAdmin, type AdminControls } from './routes/admin.ts';
import type { RouteContext, RouteLimits } from './routes/context.ts';
import { handlePam } from './routes/pam.ts';
import { routePubnub } from './routes/router.ts';
import { createAccessManager } from './pam/accessManager.ts';
import { parseRawQuery, type SignedRequest } from './pam/signature.ts';
import type { Stats } from './stats.ts';

export interface PubnubLocalHandle {
  /** `http://host:port`. */
  url: string;
  /** `host:port`, the SDK's `origin` (used with `ssl: false`). */
  origin: string;
  port: number;
  stats(): Stats;
  /** Changes the faults in force (fields given replace, others stay); settles once an outage has closed or reopened the port. */
  setFaults(faults: FaultSpec): Promise<void>;
  clearFaults(): Promise<void>;
  /** Forgets messages, presence, groups, counters and faults; keys and timetokens carry on. */
  reset(): Promise<void>;
  /** Closes the port and every connection, long-polls included. Safe to call more than once. */
  stop(): Promise<void>;
}

const PRESENCE_SWEEP_MS = 1000;
const LIMITS: Omit<RouteLimits, 'longPollTimeoutMs'> = { messageLimitBytes: 32 * 1024, signalLimitBytes: 64 };

export async function startPubnubLocal(options: PubnubLocalOptions = {}): Promise<PubnubLocalHandle> {
  const config = resolveOptions(options);
  const { logger } = config;
  const { nowMs } = config;
  const access =
    config.secretKey === undefined
      ? undefined
      : createAccessManager({ secretKey: config.secretKey, publishKeys: config.publishKeys, nowMs });
  const core = createPubnubCore({
    publishKeys: config.publishKeys,
    subscribeKeys: config.subscribeKeys,
    historyLimitPerChannel: config.historyLimitPerChannel,
    subscribeBufferPerChannel: config.subscribeBufferPerChannel,
    subscribeBufferMaxAgeMs: 20 * 60_000,
    maxChannels: config.maxChannels,
    nowMs,
  });
  const limits: RouteLimits = { ...LIMITS, longPollTimeoutMs: config.longPollTimeoutMs };
  const stopController = new AbortController();
  let faults: ActiveFaults = noFaults;
  let outageTimer: NodeJS.Timeout | undefined;
  // Aborted when a new outage starts while the port is still being reopened.
  let reopening: AbortController | undefined;
  let listener: Listener | undefined = undefined;
  const startedAt = new Date(nowMs()).toISOString();

  function currentFaults(): ActiveFaults {
    faults = pruneExpired(faults, nowMs());
    return faults;
  }

  function endOutage(): Promise<void> {
    clearTimeout(outageTimer);
    outageTimer = undefined;
    if (faults.outage) faults = Object.freeze({ ...faults, outage: null });
    if (!listener || listener.isListening() || stopController.signal.aborted) return Promise.resolve();
    logger.info('pubnub-local: outage over, listening again', { port: listener.port });
    reopening?.abort();
    reopening = new AbortController();
    return listener.resume(AbortSignal.any([stopController.signal, reopening.signal]));
  }

  function beginOutage(untilMs: number, keep?: Socket): Promise<void> {
    clearTimeout(outageTimer);
    reopening?.abort();
    const wait = Math.max(0, untilMs - nowMs());
    outageTimer = setTimeout(() => {
      endOutage().catch((error: unknown) => {
        logger.error('pubnub-local: cannot reopen after outage', { error: String(error) });
      });
    }, wait);
    if (!listener?.isListening()) return Promise.resolve();
    core.stats.faults.outages++;
    const { reset, closed } = listener.suspend(keep);
    core.stats.faults.connectionsReset += reset;
    logger.warn('pubnub-local: outage started', { durationMs: wait, connectionsReset: reset });
    return closed;
  }

  function setFaults(spec: FaultSpec, keep?: Socket): Promise<void> {
    faults = applyFaultSpec(currentFaults(), spec, nowMs());
    if (spec.outage === null) return endOutage();
    if (spec.outage && faults.outage) return beginOutage(faults.outage.untilMs, keep);
    return Promise.resolve();
  }

  function stats(): Stats {
    return {
      startedAt,
      listening: listener?.isListening() ?? false,
      openLongPolls: core.openLongPolls(),
      totals: { ...core.stats.totals },
      publishedPerChannel: Object.fromEntries(core.stats.publishedPerChannel),
      signalsPerChannel: Object.fromEntries(core.stats.signalsPerChannel),
      faults: { ...core.stats.faults },
      activeFaults: currentFaults(),
    };
  }

  const controls: AdminControls = {
    stats,
    activeFaults: currentFaults,
    setFaults,
    clearFaults: () =>
      setFaults({
        latencyMs: 0,
        errorRate: 0,
        rateLimit: null,
        outage: null,
        rejectPublishes: null,
        deliveries: null,
        cutSubscribers: null,
      }),
    async reset() {
      await controls.clearFaults();
      core.reset();
    },
  };

  async function handlePubnub(
    req: IncomingMessage,
    res: ServerResponse,
    segments: string[],
    query: URLSearchParams,
    signed: Omit<SignedRequest, 'body'>,
    onRawBody: ((raw: Buffer) => void) | undefined,
  ): Promise<void> {
    core.stats.totals.requests++;
    const active = currentFaults();
    if (active.latencyMs > 0) {
      core.stats.faults.delayed++;
      await delay(active.latencyMs, undefined, { signal: stopController.signal });
      // Reset by an outage while held: the request is lost, as on a real network.
      if (res.destroyed) return;
    }
    const isPublish = segments[0] === 'publish' || segments[0] === 'signal';
    const decision = decideFault(currentFaults(), nowMs(), Math.random, isPublish);
    if (decision.kind === 'rateLimit') {
      core.stats.faults.rateLimited++;
      sendJson(
        res,
        429,
        { status: 429, error: true, message: 'Too Many Requests', service: 'Balancer' },
        { 'Retry-After': String(decision.retryAfterSeconds) },
      );
      return;
    }
    if (decision.kind === 'rejectPublish') {
      core.stats.faults.publishesRejected++;
      // PubNub's own bodies: the Access Manager denial for 403, the publish error array otherwise.
      if (decision.status === 403) sendForbidden(res, [segments[4] ?? '']);
      else sendPublishError(res, decision.status, decision.message, core.clock.next());
      return;
    }
    if (decision.kind === 'error') {
      core.stats.faults.errors++;
      sendServiceError(res, 500, 'Internal Server Error (injected by pubnub-local)', 'Balancer');
      return;
    }
    const ctx: RouteContext = {
      req,
      res,
      method: req.method ?? 'GET',
      segments,
      query,
      core,
      limits,
      logger,
      stopSignal: stopController.signal,
      ...(onRawBody ? { onRawBody } : {}),
      faults: currentFaults,
      nowMs,
    };
    if (segments[0] === 'v3' && segments[1] === 'pam') {
      await handlePam(ctx, access, signed);
      return;
    }
    if (access) {
      // Only publish POSTs carry a body here, and their signature leaves it out.
      const verdict = access.authorize({ ...signed, body: '' }, segments, query);
      if (!verdict.allowed) {
        core.stats.totals.rejected++;
        sendForbidden(res, verdict.channels, verdict.groups, verdict.message);
        return;
      }
    }
    await routePubnub(ctx);
  }

  /** Hands the request to `onRequest` once answered; returns where its raw body goes. */
  function record(req: IncomingMessage, res: ServerResponse): ((raw: Buffer) => void) | undefined {
    const onRequest = config.onRequest;
    if (!onRequest) return undefined;
    let body: Buffer = Buffer.alloc(0);
    res.once('finish', () => {
      onRequest({
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: { ...req.headers },
        body,
        status: res.statusCode,
      });
    });
    return (raw) => {
      body = raw;
    };
  }

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const onRawBody = record(req, res);
    const target = parseTarget(req.url ?? '/');
    if (!target) {
      core.stats.totals.rejected++;
      sendServiceError(res, 400, 'Bad Request: malformed percent-encoding', 'pubnub-local');
      return;
    }
    if (target.segments[0] === 'admin') {
      await handleAdmin(req, res, target.segments, controls, logger);
      return;
    }
    if (req.method === 'OPTIONS') {
      sendJson(res, 200, {});
      return;
    }
    const url = req.url ?? '/';
    const queryStart = url.indexOf('?');
    const rawQuery = parseRawQuery(queryStart === -1 ? '' : url.slice(queryStart + 1));
    if (!rawQuery) {
      core.stats.totals.rejected++;
      sendServiceError(res, 400, 'Bad Request: malformed percent-encoding', 'pubnub-local');
      return;
    }
    const signed = {
      method: req.method ?? 'GET',
      rawPath: queryStart === -1 ? url : url.slice(0, queryStart),
      query: rawQuery,
    };
    await handlePubnub(req, res, target.segments, target.query, signed, onRawBody);
  }

  listener = await openListener(
    (req, res) => {
      handleRequest(req, res).catch((error: unknown) => {
        if (stopController.signal.aborted) return;
        logger.error('pubnub-local: request failed', {
          url: req.url,
          error: error instanceof Error ? error.stack : String(error),
        });
        sendServiceError(res, 500, 'Internal Server Error', 'pubnub-local');
      });
    },
    config.host,
    config.port,
    logger,
  );
  const { port } = listener;
  const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
  const origin = `${hostForUrl}:${port}`;
  const sweep = setInterval(() => {
    core.expirePresence();
  }, PRESENCE_SWEEP_MS);
  sweep.unref();

  let stopping: Promise<void> | undefined;
  const handle: PubnubLocalHandle = {
    url: `http://${origin}`,
    origin,
    port,
    stats,
    setFaults: (spec) => setFaults(spec),
    clearFaults: () => controls.clearFaults(),
    reset: () => controls.reset(),
    stop() {
      stopping ??= (async () => {
        stopController.abort();
        clearInterval(sweep);
        clearTimeout(outageTimer);
        reopening?.abort();
        await listener?.close();
        logger.info('pubnub-local: stopped', { port });
      })();
      return stopping;
    },
  };

  logger.info('pubnub-local: listening', {
    url: handle.url,
    publishKeys: config.publishKeys,
    subscribeKeys: config.subscribeKeys,
    accessManager: access ? 'on' : 'off',
  });
  if (Object.keys(config.faults).length > 0) await setFaults(config.faults);
  return handle;
}
