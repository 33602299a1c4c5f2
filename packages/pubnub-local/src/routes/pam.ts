import { BadBodyEncodingError, BodyTooLargeError, readBody } from '../http/body.ts';
import { sendForbidden, sendJson, sendServiceError } from '../http/respond.ts';
import type { AccessManager } from '../pam/accessManager.ts';
import type { GrantProblem } from '../pam/grantRequest.ts';
import type { SignedRequest } from '../pam/signature.ts';
import type { RouteContext } from './context.ts';

const SERVICE = 'Access Manager';
const BODY_LIMIT = 64 * 1024;

/** PAM v3's error body: `{status, error: {message, source, details}, service}`. */
function sendPamError(
  ctx: RouteContext,
  status: number,
  message: string,
  problems: readonly GrantProblem[] = [],
): void {
  ctx.core.stats.totals.rejected++;
  sendJson(ctx.res, status, {
    status,
    error: {
      message,
      source: 'grant',
      details: problems.map((p) => ({ message: p.message, location: p.location, locationType: 'body' })),
    },
    service: SERVICE,
  });
}

/**
 * `POST /v3/pam/{sub}/grant` (grantToken) and `DELETE /v3/pam/{sub}/grant/{token}`
 * (revokeToken); both must be signed with the secret key.
 */
export async function handlePam(
  ctx: RouteContext,
  access: AccessManager | undefined,
  request: Omit<SignedRequest, 'body'>,
): Promise<void> {
  const { core, res, segments } = ctx;
  if (!access) {
    core.stats.totals.rejected++;
    sendServiceError(
      res,
      400,
      'Access Manager is not enabled: start pubnub-local with a secret key',
      SERVICE,
    );
    return;
  }
  const [, , subscribeKey = '', resource, token, ...rest] = segments;
  const isGrant = ctx.method === 'POST' && token === undefined;
  const isRevoke = ctx.method === 'DELETE' && token !== undefined && rest.length === 0;
  if (resource !== 'grant' || (!isGrant && !isRevoke)) {
    core.stats.totals.rejected++;
    sendServiceError(res, 404, `Not Found: ${ctx.method} /${segments.join('/')}`, SERVICE);
    return;
  }
  let body = '';
  if (isGrant) {
    try {
      body = (await readBody(ctx.req, BODY_LIMIT)).toString('utf8');
    } catch (error) {
      if (error instanceof BodyTooLargeError) sendPamError(ctx, 413, 'Request body too large');
      else if (error instanceof BadBodyEncodingError) sendPamError(ctx, 400, 'Invalid body encoding');
      else throw error;
      return;
    }
  }
  if (!core.keyset(subscribeKey) || !access.isSignedBySecret({ ...request, body })) {
    core.stats.totals.rejected++;
    sendForbidden(res, [], [], core.keyset(subscribeKey) ? 'Invalid Signature' : 'Forbidden');
    return;
  }
  if (isRevoke) {
    if (access.revoke(token) === 'invalid') {
      sendPamError(ctx, 400, 'Invalid token');
      return;
    }
    sendJson(res, 200, { data: { message: 'Success' }, service: SERVICE, status: 200 });
    return;
  }
  const granted = access.grant(body);
  if (!granted.ok) {
    sendPamError(ctx, 400, 'Invalid RequestBody', granted.problems);
    return;
  }
  sendJson(res, 200, { data: { message: 'Success', token: granted.token }, service: SERVICE, status: 200 });
}
