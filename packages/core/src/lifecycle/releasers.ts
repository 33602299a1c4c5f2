/**
 * Resources acquired during start, released in reverse order on stop. A
 * failing releaser does not stop the others; all errors are reported together.
 */
export class Releasers {
  readonly #stack: { name: string; release: () => Promise<void> | void }[] = [];
  #releasing: string | null = null;
  #stopping: Promise<void> | undefined;

  add(name: string, release: () => Promise<void> | void): void {
    if (this.#stopping) throw new Error(`cannot add releaser "${name}": already stopping`);
    this.#stack.push({ name, release });
  }

  /**
   * What has not been released yet, in the order it will be: the one being
   * released now first. A stop that overruns its deadline names these.
   */
  unreleased(): string[] {
    const waiting = this.#stack.map((entry) => entry.name).reverse();
    return this.#releasing === null ? waiting : [this.#releasing, ...waiting];
  }

  /** Safe to call more than once: later calls wait for the first. */
  releaseAll(): Promise<void> {
    this.#stopping ??= this.#run();
    return this.#stopping;
  }

  async #run(): Promise<void> {
    const errors: Error[] = [];
    for (let entry = this.#stack.pop(); entry; entry = this.#stack.pop()) {
      this.#releasing = entry.name;
      try {
        await entry.release();
      } catch (err) {
        errors.push(new Error(`releasing ${entry.name} failed`, { cause: err }));
      }
    }
    this.#releasing = null;
    if (errors.length === 1 && errors[0]) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} resources failed to release`);
  }
}

/**
 * Runs `start`; if it fails half-way, releases what was already acquired
 * before rethrowing, so a failed start leaks nothing.
 */
export async function startWithReleasers<T>(
  start: (releasers: Releasers) => Promise<T>,
): Promise<{ value: T; releasers: Releasers }> {
  const releasers = new Releasers();
  try {
    return { value: await start(releasers), releasers };
  } catch (err) {
    await releasers.releaseAll().catch(() => undefined);
    throw err;
  }
}
