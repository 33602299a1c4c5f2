import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A minimal Kubernetes API server at the HTTP level for the RealtimeControl
// custom resource: list, watch (a chunked stream of JSON lines from a
// resourceVersion), get, create, merge-patch of spec (bumps generation) and
// of the status subresource, delete; plus a pod list for replica discovery.
// Enough to drive the real @kubernetes/client-node informer and clients.

export interface FakeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; generation: number; resourceVersion: string; uid: string };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

interface WatchEvent {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: FakeObject;
}

export interface FakeControlApi {
  url: string;
  /** `METHOD path?query` of every request, in order. */
  requests: string[];
  /** The next `n` list (or watch) requests answer 500. */
  failLists: number;
  failWatches: number;
  pods: unknown[];
  get(name: string): FakeObject | undefined;
  /** As kubectl would: create or merge-patch the spec. */
  applySpec(name: string, spec: Record<string, unknown>): FakeObject;
  remove(name: string): void;
  /** Ends every open watch stream (the informer reconnects). */
  closeWatches(): void;
  /** A kubeconfig (YAML) for this server. */
  kubeconfigYaml(namespace: string): string;
  stop(): Promise<void>;
}

const prefix =
  /^\/apis\/realtime\.sketchyaf\.io\/v1alpha1\/namespaces\/([^/]+)\/realtimecontrols(?:\/([^/]+))?(\/status)?$/;

function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const base = typeof target === 'object' && target !== null && !Array.isArray(target) ? target : {};
  const out = new Map(Object.entries(base));
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) out.delete(key);
    else out.set(key, mergePatch(out.get(key), value));
  }
  return Object.fromEntries(out);
}

function status(res: ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code }));
}

async function body(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? {} : (JSON.parse(text) as unknown);
}

export async function startFakeControlApi(): Promise<FakeControlApi> {
  const objects = new Map<string, FakeObject>();
  const log: WatchEvent[] = [];
  const watches = new Set<{ res: ServerResponse; namespace: string }>();
  let rv = 100;
  let uid = 0;

  function emit(type: WatchEvent['type'], object: FakeObject): void {
    const event = { rv: Number(object.metadata.resourceVersion), type, object: structuredClone(object) };
    log.push(event);
    for (const w of watches)
      if (w.namespace === object.metadata.namespace)
        w.res.write(`${JSON.stringify({ type, object: event.object })}\n`);
  }

  function put(
    namespace: string,
    name: string,
    change: (o: FakeObject | undefined) => FakeObject,
  ): FakeObject {
    const key = `${namespace}/${name}`;
    const before = objects.get(key);
    const after = change(before ? structuredClone(before) : undefined);
    rv += 1;
    after.metadata.resourceVersion = String(rv);
    objects.set(key, after);
    emit(before ? 'MODIFIED' : 'ADDED', after);
    return after;
  }

  function created(namespace: string, name: string, spec: Record<string, unknown>): FakeObject {
    uid += 1;
    return {
      apiVersion: 'realtime.sketchyaf.io/v1alpha1',
      kind: 'RealtimeControl',
      metadata: { name, namespace, generation: 1, resourceVersion: '0', uid: `uid-${uid}` },
      spec,
    };
  }

  function patchSpec(namespace: string, name: string, patch: unknown): FakeObject {
    return put(namespace, name, (o) => {
      const object = o ?? created(namespace, name, {});
      const spec = mergePatch(object.spec ?? {}, patch) as Record<string, unknown>;
      if (o && JSON.stringify(spec) !== JSON.stringify(o.spec ?? {})) object.metadata.generation += 1;
      object.spec = spec;
      return object;
    });
  }

  const api: Omit<FakeControlApi, 'url' | 'stop' | 'kubeconfigYaml'> = {
    requests: [],
    failLists: 0,
    failWatches: 0,
    pods: [],
    get: (name) => [...objects.values()].find((o) => o.metadata.name === name),
    applySpec: (name, spec) => patchSpec('sketchyaf-realtime', name, spec),
    remove(name) {
      for (const [key, o] of objects) {
        if (o.metadata.name !== name) continue;
        objects.delete(key);
        rv += 1;
        o.metadata.resourceVersion = String(rv);
        emit('DELETED', o);
      }
    },
    closeWatches() {
      for (const w of watches) w.res.end();
      watches.clear();
    },
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const method = req.method ?? 'GET';
      api.requests.push(`${method} ${url.pathname}${url.search}`);
      const pods = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(url.pathname);
      if (pods && method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            kind: 'PodList',
            apiVersion: 'v1',
            metadata: { resourceVersion: String(rv) },
            items: api.pods,
          }),
        );
        return;
      }
      const match = prefix.exec(url.pathname);
      if (!match) {
        status(res, 404, 'NotFound', 'the server could not find the requested resource');
        return;
      }
      const namespace = decodeURIComponent(match[1] ?? '');
      const name = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
      const key = `${namespace}/${name ?? ''}`;
      if (name === undefined && method === 'GET' && url.searchParams.get('watch') === 'true') {
        if (api.failWatches > 0) {
          api.failWatches -= 1;
          status(res, 500, 'InternalError', 'injected watch failure');
          return;
        }
        const from = Number(url.searchParams.get('resourceVersion') ?? '0');
        res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
        res.flushHeaders();
        for (const e of log)
          if (e.rv > from && e.object.metadata.namespace === namespace)
            res.write(`${JSON.stringify({ type: e.type, object: e.object })}\n`);
        const entry = { res, namespace };
        watches.add(entry);
        req.on('close', () => watches.delete(entry));
        return;
      }
      if (name === undefined && method === 'GET') {
        if (api.failLists > 0) {
          api.failLists -= 1;
          status(res, 500, 'InternalError', 'injected list failure');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            apiVersion: 'realtime.sketchyaf.io/v1alpha1',
            kind: 'RealtimeControlList',
            metadata: { resourceVersion: String(rv) },
            items: [...objects.values()].filter((o) => o.metadata.namespace === namespace),
          }),
        );
        return;
      }
      if (name === undefined && method === 'POST') {
        const input = (await body(req)) as { metadata?: { name?: string }; spec?: Record<string, unknown> };
        const newName = input.metadata?.name ?? '';
        if (objects.has(`${namespace}/${newName}`)) {
          status(res, 409, 'AlreadyExists', `realtimecontrols "${newName}" already exists`);
          return;
        }
        const object = put(namespace, newName, () => created(namespace, newName, input.spec ?? {}));
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify(object));
        return;
      }
      const existing = objects.get(key);
      if (!existing || name === undefined) {
        status(res, 404, 'NotFound', `realtimecontrols.realtime.sketchyaf.io "${name ?? ''}" not found`);
        return;
      }
      if (method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(existing));
        return;
      }
      if (method === 'PATCH') {
        if (req.headers['content-type'] !== 'application/merge-patch+json') {
          status(
            res,
            415,
            'UnsupportedMediaType',
            `unsupported patch type ${String(req.headers['content-type'])}`,
          );
          return;
        }
        const patch = (await body(req)) as { spec?: unknown; status?: unknown };
        const object =
          match[3] === '/status'
            ? put(namespace, name, (o) => {
                const updated = o ?? existing;
                updated.status = mergePatch(updated.status ?? {}, patch.status ?? {}) as Record<
                  string,
                  unknown
                >;
                return updated;
              })
            : patchSpec(namespace, name, patch.spec ?? {});
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(object));
        return;
      }
      if (method === 'DELETE') {
        api.remove(name);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(existing));
        return;
      }
      status(res, 405, 'MethodNotAllowed', `${method} not allowed`);
    })().catch((err: unknown) => {
      status(res, 500, 'InternalError', String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(api, {
    url,
    kubeconfigYaml: (namespace: string) => kubeconfigYamlFor(url, namespace),
    stop: () =>
      new Promise<void>((resolve) => {
        api.closeWatches();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/** A kubeconfig for `server` with a bearer token, as a pod's mounted service account would give. */
export function kubeconfigYamlFor(server: string, namespace: string): string {
  return `apiVersion: v1
kind: Config
clusters:
  - name: fake
    cluster: { server: '${server}', insecure-skip-tls-verify: true }
users:
  - name: operator
    user: { token: fake-token }
contexts:
  - name: fake
    context: { cluster: fake, user: operator, namespace: ${namespace} }
current-context: fake
`;
}
