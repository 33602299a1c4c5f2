import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const inflate = promisify(zlib.inflate);
const inflateRaw = promisify(zlib.inflateRaw);
const gunzip = promisify(zlib.gunzip);

export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
}

export class BadBodyEncodingError extends Error {
  override name = 'BadBodyEncodingError';
}

async function readRaw(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > limitBytes) throw new BodyTooLargeError(`body exceeds ${limitBytes} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Reads a request body, undoing `Content-Encoding`. The SDK deflates publish
 * POST bodies as a zlib stream (RFC 1950); raw deflate and gzip are accepted
 * too, since other clients send them. Output is capped against zip bombs.
 */
export async function readBody(
  req: IncomingMessage,
  limitBytes: number,
  onRaw?: (raw: Buffer) => void,
): Promise<Buffer> {
  const raw = await readRaw(req, limitBytes);
  onRaw?.(raw);
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const cap = { maxOutputLength: limitBytes };
  try {
    switch (encoding) {
      case 'identity':
      case '':
        return raw;
      case 'deflate':
        // A zlib stream starts with 0x78; anything else is taken as raw deflate.
        return raw[0] === 0x78 ? await inflate(raw, cap) : await inflateRaw(raw, cap);
      case 'gzip':
        return await gunzip(raw, cap);
      default:
        throw new BadBodyEncodingError(`unsupported Content-Encoding ${encoding}`);
    }
  } catch (error) {
    if (error instanceof BadBodyEncodingError) throw error;
    if (error instanceof RangeError) throw new BodyTooLargeError(`decoded body exceeds ${limitBytes} bytes`);
    throw new BadBodyEncodingError(
      `cannot decode ${encoding} body: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
