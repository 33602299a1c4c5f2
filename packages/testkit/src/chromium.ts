import { execFile } from 'node:child_process';
import { access, constants, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const chromiumInstallHint = 'apt-get update && apt-get install -y --no-install-recommends chromium';

/** Debian's chromium, or a failure that says how to install it (never a skip). */
export async function findChromium(): Promise<string> {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/bin', '/usr/local/bin'];
  for (const dir of dirs.filter((d) => d !== '')) {
    for (const name of ['chromium', 'chromium-browser']) {
      const candidate = join(dir, name);
      try {
        await access(candidate, constants.X_OK);
        return candidate;
      } catch {
        // next
      }
    }
  }
  throw new Error(`chromium is not installed; install it with: ${chromiumInstallHint}`);
}

async function headless(args: string[]): Promise<string> {
  const binary = await findChromium();
  const profile = await mkdtemp(join(tmpdir(), 'sketchyaf-chromium-'));
  try {
    const { stdout } = await run(
      binary,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--hide-scrollbars',
        `--user-data-dir=${profile}`,
        ...args,
      ],
      { timeout: 60_000, maxBuffer: 32 * 1024 * 1024 },
    );
    return stdout;
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

/** Renders `url` and writes a PNG of the first `height` pixels. */
export async function screenshot(url: string, file: string, width = 1280, height = 900): Promise<void> {
  await headless([`--screenshot=${file}`, `--window-size=${width},${height}`, url]);
}

/** The DOM after the page has loaded, serialized. */
export function dumpDom(url: string): Promise<string> {
  return headless(['--dump-dom', '--window-size=1280,900', url]);
}
