import { readFileSync } from 'node:fs';

/** A PEM CA bundle read now; errors name the file (never a URL) and the cause. */
export function readCaFile(path: string, what: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new Error(`${what} CA file ${path} cannot be read (${code})`, { cause: err });
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----'))
    throw new Error(`${what} CA file ${path} holds no PEM certificate`);
  return pem;
}
