import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { errorFields, PeriodicTask, systemClock, type Clock, type TimerHandle } from '@sketchyaf/core';
import type { Logger } from '@sketchyaf/core';
import { defaultControlState, parseControlDocument } from './controlResource.ts';
import { HeldControlSource } from './controlSource.ts';
import { errorMessage } from '@sketchyaf/core';

export interface FileControlSourceOptions {
  /** CONTROL_FILE: a RealtimeControl document in YAML (or JSON). */
  path: string;
  /** The file is read again this often whatever fs.watch says (CONTROL_RESYNC_MS). */
  resyncMs: number;
  logger: Logger;
  clock?: Clock;
}

/**
 * The RealtimeControl document in a local file. The directory is watched
 * (editors and the CLI replace the file rather than write it in place, which
 * a watch on the file itself would miss), and the file is read again every
 * `resyncMs` in case a watch event was lost. A missing file means defaults;
 * an unreadable or invalid one keeps the last good state and says why.
 */
export class FileControlSource extends HeldControlSource {
  readonly kind = 'file';
  readonly #options: FileControlSourceOptions;
  readonly #clock: Clock;
  #watcher: FSWatcher | undefined;
  readonly #resync: PeriodicTask;
  #debounce: TimerHandle | undefined;
  #reading: Promise<void> | undefined;
  #readAgain = false;
  #running = false;

  constructor(options: FileControlSourceOptions) {
    super('file', options.path);
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#resync = new PeriodicTask({
      clock: this.#clock,
      intervalMs: options.resyncMs,
      run: () => this.read(),
    });
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    const { path, logger } = this.#options;
    try {
      this.#watcher = watch(dirname(path), { persistent: false }, (_event, file) => {
        if (file === null || file === basename(path)) this.#soon();
      });
      this.#watcher.on('error', (err) => {
        logger.warn('watching the control file failed; re-reading it on the resync interval only', {
          path,
          ...errorFields(err),
        });
        this.#watcher?.close();
        this.#watcher = undefined;
      });
    } catch (err) {
      logger.warn('cannot watch the control file directory; re-reading it on the resync interval only', {
        path,
        ...errorFields(err),
      });
    }
    this.#resync.start();
    await this.read();
  }

  stop(): Promise<void> {
    this.#running = false;
    this.#watcher?.close();
    this.#watcher = undefined;
    // Not awaited: a resync read in progress is the `#reading` awaited below.
    void this.#resync.stop();
    if (this.#debounce) this.#clock.clearTimeout(this.#debounce);
    this.#debounce = undefined;
    return this.#reading ?? Promise.resolve();
  }

  /** Reads the file now; concurrent calls coalesce into at most one more read. */
  read(): Promise<void> {
    if (this.#reading) {
      this.#readAgain = true;
      return this.#reading;
    }
    this.#reading = (async () => {
      do {
        this.#readAgain = false;
        await this.#readOnce();
      } while (this.#readAgain && this.#running);
    })().finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  }

  async #readOnce(): Promise<void> {
    const { path, logger } = this.#options;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ENOENT') {
        this.holder.accept(defaultControlState());
        return;
      }
      this.#fail(`cannot read ${path}: ${errorMessage(err)}`);
      return;
    }
    let document: unknown;
    try {
      document = parseYaml(text) as unknown;
    } catch (err) {
      this.#fail(`${path} is not valid YAML: ${errorMessage(err)}`);
      return;
    }
    const result = parseControlDocument(document);
    if (!result.ok) {
      this.#fail(`${path} is invalid: ${result.problems.join('; ')}`);
      return;
    }
    const before = this.holder.state;
    this.holder.accept(result.state);
    const after = this.holder.state;
    if (after !== before)
      logger.info('control file changed', { path, generation: after.generation, revision: after.revision });
  }

  #fail(error: string): void {
    if (this.holder.status.error !== error)
      this.#options.logger.warn('control file rejected; keeping the last good state', { error });
    this.holder.fail(error);
  }

  /** Several watch events arrive for one save: read once, shortly after the last. */
  #soon(): void {
    if (!this.#running) return;
    if (this.#debounce) this.#clock.clearTimeout(this.#debounce);
    this.#debounce = this.#clock.setTimeout(() => {
      this.#debounce = undefined;
      void this.read();
    }, 20);
  }
}
