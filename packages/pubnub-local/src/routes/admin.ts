import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { parseFaultSpec, type ActiveFaults, type FaultSpec } from '../faults.ts';
import { BodyTooLargeError, readBody } from '../http/body.ts';
import { sendAdminError, sendJson } from '../http/respond.ts';
import type { Logger } from '../logger.ts';
import type { Stats } from '../stats.ts';

/** What the admin endpoints drive; implemented by the server. */
export interface AdminControls {
  stats(): Stats;
  activeFaults(): ActiveFaults;
  /**
   * Applies `spec`. An outage closes the port synchronously, before this
   * returns, sparing `keep`; the promise settles when the change is complete.
   */
  setFaults(spec: FaultSpec, keep?: Socket): Promise<void>;
  clearFaults(): Promise<void>;
  reset(): Promise<void>;
}

const ADMIN_BODY_LIMIT = 64 * 1024;

async function readJson(req: IncomingMessage): Promise<{ value: unknown } | { problem: string }> {
  try {
    const text = (await readBody(req, ADMIN_BODY_LIMIT)).toString('utf8');
    return { value: text.trim() === '' ? {} : (JSON.parse(text) as unknown) };
  } catch (error) {
    if (error instanceof BodyTooLargeError) return { problem: error.message };
    return { problem: `body is not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/**
 * `GET /admin/stats`, `GET|POST|DELETE /admin/faults`, `POST /admin/reset`.
 * Fault injection never applies here. During an outage this port is closed,
 * admin included: outages end on their own, or through `handle.clearFaults()`.
 */
export async function handleAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  segments: readonly string[],
  controls: AdminControls,
  logger: Logger,
): Promise<void> {
  const method = req.method ?? 'GET';
  const path = segments.slice(1).join('/');
  const allowed: Record<string, readonly string[]> = {
    stats: ['GET'],
    faults: ['GET', 'POST', 'DELETE'],
    reset: ['POST'],
  };
  const methods = allowed[path];
  if (!methods) {
    sendAdminError(res, 404, 'not_found', `no admin endpoint /admin/${path}`);
    return;
  }
  if (!methods.includes(method)) {
    sendAdminError(res, 405, 'method_not_allowed', `/admin/${path} accepts ${methods.join(', ')}`);
    return;
  }

  if (path === 'stats') {
    sendJson(res, 200, controls.stats());
  } else if (path === 'reset') {
    await controls.reset();
    logger.info('pubnub-local: reset');
    sendJson(res, 200, { reset: true, activeFaults: controls.activeFaults() });
  } else if (method === 'GET') {
    sendJson(res, 200, { activeFaults: controls.activeFaults() });
  } else if (method === 'DELETE') {
    await controls.clearFaults();
    logger.info('pubnub-local: faults cleared');
    sendJson(res, 200, { activeFaults: controls.activeFaults() });
  } else {
    const body = await readJson(req);
    if ('problem' in body) {
      sendAdminError(res, 400, 'invalid_json', body.problem);
      return;
    }
    const parsed = parseFaultSpec(body.value);
    if (!parsed.ok) {
      sendAdminError(res, 400, 'invalid_faults', 'the faults body has problems', parsed.problems);
      return;
    }
    const done = controls.setFaults(parsed.spec, req.socket);
    logger.info('pubnub-local: faults set', { faults: controls.activeFaults() });
    const closing = parsed.spec.outage ? { Connection: 'close' } : undefined;
    sendJson(res, 200, { activeFaults: controls.activeFaults() }, closing);
    await done;
  }
}
