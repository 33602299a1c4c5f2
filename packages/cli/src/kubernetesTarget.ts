import {
  ApiException,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import {
  controlApiVersion,
  controlGroup,
  controlKind,
  controlPlural,
  controlVersion,
  describeKubernetesError,
  parseControlDocument,
  specRevision,
  type ControlSpec,
  type ControlState,
} from '@sketchyaf/control';
import type { ControlTarget, Progress } from './target.ts';

interface ControlObject {
  metadata?: { generation?: number };
  spec?: unknown;
  status?: {
    observedGeneration?: number;
    conditions?: { type?: string; status?: string; message?: string; observedGeneration?: number }[];
    replicas?: { name?: string; component?: string; state?: string; appliedGeneration?: number }[];
  };
}

/** Every field, nulls included: a JSON merge patch with it replaces the whole spec. */
function fullSpec(spec: ControlSpec): Record<string, unknown> {
  return {
    broadcasting: spec.broadcasting,
    timers: spec.timers,
    ingest: spec.ingest,
    ingestRetryAfterSeconds: spec.ingestRetryAfterSeconds,
    relay: { concurrency: spec.relay.concurrency, publishRatePerSecond: spec.relay.publishRatePerSecond },
    note: spec.note,
  };
}

function isNotFound(err: unknown): boolean {
  return err instanceof ApiException && err.code === 404;
}

/**
 * The RealtimeControl resource. Created on first use (the services treat a
 * missing one as "everything enabled"); the API server bumps
 * metadata.generation on each spec change; acknowledgements are the status
 * the health service writes.
 */
export class KubernetesTarget implements ControlTarget {
  readonly description: string;
  readonly #api: CustomObjectsApi;
  readonly #namespace: string;
  readonly #name: string;

  constructor(kubeConfig: KubeConfig, namespace: string, name: string) {
    this.#api = kubeConfig.makeApiClient(CustomObjectsApi);
    this.#namespace = namespace;
    this.#name = name;
    this.description = `RealtimeControl ${namespace}/${name} (context ${kubeConfig.getCurrentContext()})`;
  }

  #ref() {
    return {
      group: controlGroup,
      version: controlVersion,
      namespace: this.#namespace,
      plural: controlPlural,
      name: this.#name,
    };
  }

  async #get(): Promise<ControlObject | null> {
    try {
      return (await this.#api.getNamespacedCustomObject(this.#ref())) as ControlObject;
    } catch (err) {
      if (isNotFound(err)) return null;
      throw new Error(`cannot read ${this.description}: ${describeKubernetesError(err)}`, { cause: err });
    }
  }

  async read(): Promise<ControlState> {
    const object = await this.#get();
    const result = parseControlDocument(
      object ? { metadata: { generation: object.metadata?.generation }, spec: object.spec } : null,
    );
    if (!result.ok) throw new Error(`${this.description} is invalid: ${result.problems.join('; ')}`);
    return result.state;
  }

  async write(spec: ControlSpec): Promise<ControlState> {
    let written: ControlObject;
    try {
      const existing = await this.#get();
      if (existing) {
        written = (await this.#api.patchNamespacedCustomObject(
          { ...this.#ref(), body: { spec: fullSpec(spec) } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        )) as ControlObject;
      } else {
        const { name, ...collection } = this.#ref();
        written = (await this.#api.createNamespacedCustomObject({
          ...collection,
          body: {
            apiVersion: controlApiVersion,
            kind: controlKind,
            metadata: { name, namespace: this.#namespace },
            spec: fullSpec(spec),
          },
        })) as ControlObject;
      }
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('cannot read')) throw err;
      throw new Error(`cannot write ${this.description}: ${describeKubernetesError(err)}`, { cause: err });
    }
    return { generation: written.metadata?.generation ?? 1, revision: specRevision(spec), spec };
  }

  async progress(): Promise<Progress> {
    const object = await this.#get();
    const status = object?.status;
    const applied = status?.conditions?.find((c) => c.type === 'Applied');
    if (!status || !applied)
      return {
        generation: null,
        applied: false,
        message: 'no status yet (the health service writes it; is it running?)',
        replicas: [],
      };
    return {
      generation: applied.observedGeneration ?? status.observedGeneration ?? null,
      applied: applied.status === 'True',
      message: applied.message ?? '',
      replicas: (status.replicas ?? []).map((r) => ({
        name: r.name ?? '?',
        component: r.component ?? '?',
        state: r.state ?? '?',
        appliedGeneration: r.appliedGeneration ?? null,
        detail: '',
      })),
    };
  }
}
