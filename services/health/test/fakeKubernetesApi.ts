import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import type { DeploymentLike } from '../src/index.ts';

export interface FakeKubernetesApi {
  url: string;
  /** What the API answers next: Deployments, or an error status with a Kubernetes Status body. */
  answer: { deployments: DeploymentLike[] } | { status: number; message: string };
  requests: { path: string; labelSelector: string | null; authorization: string | undefined }[];
  kubeConfig(token?: string): KubeConfig;
  stop(): Promise<void>;
}

/**
 * The one endpoint the health service calls, answered like the Kubernetes
 * API does: `GET /apis/apps/v1/namespaces/{ns}/deployments?labelSelector=…`
 * returns a DeploymentList; errors are `kind: Status` bodies.
 */
export async function startFakeKubernetesApi(): Promise<FakeKubernetesApi> {
  const api: Omit<FakeKubernetesApi, 'url' | 'stop' | 'kubeConfig'> = {
    answer: { deployments: [] },
    requests: [],
  };
  const server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    api.requests.push({
      path: url.pathname,
      labelSelector: url.searchParams.get('labelSelector'),
      authorization: req.headers.authorization,
    });
    const match = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments$/.exec(url.pathname);
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' || !match) {
      send(404, {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        message: 'the server could not find the requested resource',
        reason: 'NotFound',
        code: 404,
      });
      return;
    }
    const answer = api.answer;
    if ('status' in answer) {
      send(answer.status, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: answer.message,
        reason: 'Forbidden',
        code: answer.status,
      });
      return;
    }
    send(200, {
      kind: 'DeploymentList',
      apiVersion: 'apps/v1',
      metadata: { resourceVersion: '12345' },
      items: answer.deployments.map((d) => ({
        kind: 'Deployment',
        apiVersion: 'apps/v1',
        ...d,
        metadata: { namespace: match[1], ...d.metadata },
      })),
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return Object.assign(api, {
    url,
    kubeConfig(token = 'test-service-account-token') {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'fake', server: url, skipTLSVerify: true }],
        users: [{ name: 'health', token }],
        contexts: [{ name: 'fake', cluster: 'fake', user: 'health', namespace: 'sketchyaf-realtime' }],
        currentContext: 'fake',
      });
      return kc;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
