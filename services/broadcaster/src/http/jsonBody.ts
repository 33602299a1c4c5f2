import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { IngestRejection } from '../errors.ts';

const jsonType = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

function tooLarge(limitBytes: number): IngestRejection {
  return new IngestRejection('payload_too_large', 'too_large', 'Request body is too large', { limitBytes });
}

/** Why a content type is refused, or undefined when it is JSON in UTF-8. */
function contentTypeProblem(req: Request): string | undefined {
  const type = req.get('content-type') ?? '';
  if (!jsonType.test(type)) return 'Content-Type must be application/json';
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(type)?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return 'The charset must be utf-8';
  const encoding = req.get('content-encoding');
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity')
    return 'Compressed bodies are not accepted';
  return undefined;
}

/**
 * Reads a JSON body: 415 unless the content type is JSON in UTF-8, 413 past
 * `limitBytes` (checked against Content-Length first, then while reading),
 * 400 unless it parses as a JSON object or array. Lean on purpose: this is
 * the hot path of every ingest request.
 */
export function jsonBody(limitBytes: number): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const problem = contentTypeProblem(req);
    if (problem !== undefined) {
      next(
        new IngestRejection('unsupported_media_type', 'unsupported_media_type', problem, {
          contentType: req.get('content-type')?.slice(0, 100) ?? null,
        }),
      );
      return;
    }
    const declared = Number(req.get('content-length') ?? Number.NaN);
    if (declared > limitBytes) {
      req.resume();
      next(tooLarge(limitBytes));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limitBytes) {
        failed = true;
        next(tooLarge(limitBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => {
      if (failed) return;
      failed = true;
      next(new IngestRejection('bad_request', 'aborted', 'Request aborted'));
    });
    req.on('end', () => {
      if (failed) return;
      const text = (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)).toString('utf8');
      const first = /\S/.exec(text)?.[0];
      let parsed: unknown;
      try {
        if (first !== '{' && first !== '[') throw new Error('not an object or array');
        parsed = JSON.parse(text);
      } catch {
        next(new IngestRejection('invalid_json', 'invalid_json', 'Request body is not valid JSON'));
        return;
      }
      req.body = parsed;
      next();
    });
  };
}
