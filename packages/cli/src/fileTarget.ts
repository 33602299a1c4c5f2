import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { redactUrl } from '@sketchyaf/core/redactUrl';
import {
  controlApiVersion,
  controlKind,
  defaultControlState,
  parseControlDocument,
  specDocument,
  specRevision,
  type ControlSpec,
  type ControlState,
} from '@sketchyaf/control';
import type { ControlTarget, Progress, ReplicaProgress } from './target.ts';

interface ReportLike {
  generation?: unknown;
  revision?: unknown;
  applied?: unknown;
  message?: unknown;
  replicas?: unknown;
}

/**
 * The local CONTROL_FILE. Written whole and renamed into place, so a service
 * never reads half a file; the generation goes up by one on every write.
 * Acknowledgements come from the health service's `/api/control`.
 */
export class FileTarget implements ControlTarget {
  readonly description: string;
  readonly #path: string;
  readonly #healthUrl: string;

  constructor(path: string, healthUrl: string) {
    this.#path = path;
    this.#healthUrl = healthUrl;
    this.description = `control file ${path}`;
  }

  async read(): Promise<ControlState> {
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ENOENT') return defaultControlState();
      throw err;
    }
    const result = parseControlDocument(parseYaml(text) as unknown);
    if (!result.ok) throw new Error(`${this.#path} is invalid: ${result.problems.join('; ')}`);
    return result.state;
  }

  async write(spec: ControlSpec): Promise<ControlState> {
    const current = await this.read();
    const generation = current.generation + 1;
    const document = {
      apiVersion: controlApiVersion,
      kind: controlKind,
      metadata: { name: 'local', generation },
      spec: specDocument(spec),
    };
    await mkdir(dirname(this.#path), { recursive: true });
    const temporary = `${this.#path}.${process.pid}.tmp`;
    await writeFile(
      temporary,
      `# Runtime control of the local stack (sketchyaf-realtime control …); services re-read it within a second.\n${stringifyYaml(document)}`,
    );
    await rename(temporary, this.#path);
    return { generation, revision: specRevision(spec), spec };
  }

  async progress(): Promise<Progress> {
    let res: Response;
    try {
      res = await fetch(`${this.#healthUrl}/api/control`, { signal: AbortSignal.timeout(3000) });
    } catch (err) {
      // fetch quotes the URL, password included, when it refuses one with credentials.
      const shown = redactUrl(this.#healthUrl);
      const reason = (err instanceof Error ? err.message : String(err)).replaceAll(this.#healthUrl, shown);
      return {
        generation: null,
        applied: false,
        message: `health service at ${shown} unreachable (${reason})`,
        replicas: [],
      };
    }
    if (res.status !== 200)
      return {
        generation: null,
        applied: false,
        message: `health service answered ${res.status}`,
        replicas: [],
      };
    const report = (await res.json()) as ReportLike;
    const replicas = Array.isArray(report.replicas) ? (report.replicas as ReplicaProgress[]) : [];
    return {
      generation: typeof report.generation === 'number' ? report.generation : null,
      applied: report.applied === true,
      message: typeof report.message === 'string' ? report.message : '',
      replicas,
    };
  }
}
