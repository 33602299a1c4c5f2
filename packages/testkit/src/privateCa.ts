import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ServerCertificate {
  certFile: string;
  keyFile: string;
}

export interface PrivateCa {
  /** The CA's certificate (PEM), what a client's CA file holds. */
  caFile: string;
  /** A key pair signed by this CA for `names` (DNS names and IP addresses). */
  issue(
    name: string,
    names: readonly string[],
    owner?: { uid: number; gid: number },
  ): Promise<ServerCertificate>;
}

const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/**
 * A throwaway certificate authority made with the `openssl` command line
 * (node:crypto cannot issue X.509 certificates). Certificates live one day.
 */
export async function createPrivateCa(dir: string, commonName: string): Promise<PrivateCa> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const caKey = join(dir, 'ca.key');
  const caFile = join(dir, 'ca.crt');
  await run('openssl', [
    'req', '-x509', ...ecKey, '-keyout', caKey, '-out', caFile, '-days', '1', '-subj', `/CN=${commonName}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]); // prettier-ignore
  await chmod(caFile, 0o644);
  return {
    caFile,
    async issue(name, names, owner) {
      const keyFile = join(dir, `${name}.key`);
      const certFile = join(dir, `${name}.crt`);
      const csr = join(dir, `${name}.csr`);
      const ext = join(dir, `${name}.ext`);
      const alt = names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
      await writeFile(ext, `subjectAltName=${alt}\nextendedKeyUsage=serverAuth\n`);
      await run('openssl', [
        'req',
        ...ecKey,
        '-keyout',
        keyFile,
        '-out',
        csr,
        '-subj',
        `/CN=${names[0] ?? name}`,
      ]);
      await run('openssl', [
        'x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial',
        '-out', certFile, '-days', '1', '-extfile', ext,
      ]); // prettier-ignore
      await chmod(certFile, 0o644);
      // PostgreSQL refuses a key readable by others, and reads it as its own (non-root) user.
      await chmod(keyFile, 0o600);
      if (owner) await chown(keyFile, owner.uid, owner.gid);
      return { certFile, keyFile };
    },
  };
}
