/**
 * Access Manager state and decisions for one server: the secret key, the
 * revoked tokens and the clock. Requests carrying `signature` are the
 * server side (allowed everything once the signature checks out); the rest
 * need `auth=<token>` granting what the request touches.
 */
import { parseGrantRequest, type GrantProblem } from './grantRequest.ts';
import { decideAccess, requiredAccess } from './permissions.ts';
import { verifySignature, type SignedRequest } from './signature.ts';
import { isExpired, issueToken, readToken, type ReadTokenResult } from './token.ts';

export type AccessVerdict =
  { allowed: true } | { allowed: false; message: string; channels: string[]; groups: string[] };

export interface AccessManager {
  /** True when the request carries a signature and it is valid. */
  isSignedBySecret(request: SignedRequest): boolean;
  /** Decides a request other than the Access Manager's own endpoints. */
  authorize(request: SignedRequest, segments: readonly string[], query: URLSearchParams): AccessVerdict;
  /** Validates a grantToken body and issues the token, timestamped now. */
  grant(body: string): { ok: true; token: string } | { ok: false; problems: GrantProblem[] };
  /** `invalid` when the token is not one this server could have issued. */
  revoke(token: string): 'revoked' | 'invalid';
}

export interface AccessManagerOptions {
  secretKey: string;
  publishKeys: readonly string[];
  nowMs: () => number;
}

export function createAccessManager(options: AccessManagerOptions): AccessManager {
  const { secretKey, publishKeys, nowMs } = options;
  /** Token id → when it would have expired anyway (then it can be forgotten). */
  const revoked = new Map<string, number>();

  function signatureOf(request: SignedRequest): string | undefined {
    return request.query.find(([name]) => name === 'signature')?.[1];
  }

  function forgetExpiredRevocations(): void {
    const now = nowMs();
    for (const [id, expiresAtMs] of revoked) if (expiresAtMs <= now) revoked.delete(id);
  }

  function check(token: string): ReadTokenResult {
    return readToken(token, secretKey);
  }

  return {
    isSignedBySecret(request) {
      const signature = signatureOf(request);
      return signature !== undefined && verifySignature(request, signature, publishKeys, secretKey);
    },

    authorize(request, segments, query) {
      const requirement = requiredAccess(request.method, segments, query);
      const everything = {
        channels: requirement.kind === 'token' ? requirement.channels.map((n) => n.name) : [],
        groups: requirement.kind === 'token' ? requirement.groups.map((n) => n.name) : [],
      };
      if (signatureOf(request) !== undefined) {
        return this.isSignedBySecret(request)
          ? { allowed: true }
          : { allowed: false, message: 'Invalid Signature', ...everything };
      }
      if (requirement.kind === 'open') return { allowed: true };
      const auth = query.get('auth');
      if (requirement.kind === 'signed' || auth === null || auth === '')
        return { allowed: false, message: 'Forbidden', ...everything };
      const token = check(auth);
      if (!token.ok) return { allowed: false, message: 'Invalid token', ...everything };
      if (revoked.has(token.id)) return { allowed: false, message: 'Token is revoked.', ...everything };
      if (isExpired(token.grant, nowMs()))
        return { allowed: false, message: 'Token is expired.', ...everything };
      const decision = decideAccess(token.grant, requirement, query.get('uuid'));
      return decision.allowed ? decision : { ...decision, message: 'Forbidden' };
    },

    grant(body) {
      const parsed = parseGrantRequest(body, nowMs());
      return parsed.ok ? { ok: true, token: issueToken(parsed.grant, secretKey) } : parsed;
    },

    revoke(token) {
      const read = check(token);
      if (!read.ok) return 'invalid';
      forgetExpiredRevocations();
      revoked.set(read.id, (read.grant.timestampSec + read.grant.ttlMinutes * 60) * 1000);
      return 'revoked';
    },
  };
}
