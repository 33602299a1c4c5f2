// runMain gives up on a stop after SHUTDOWN_DEADLINE_MS and names what did not stop; it must do so
// before the kubelet kills the pod without a word: terminationGracePeriodSeconds counts from the
// start of termination, and the preStop sleep comes first.
import { strict as assert } from 'node:assert';
import { defaultShutdownDeadlineMs } from '@sketchyaf/core';
import { render, runHelm, templateArgs } from './lib/helm.ts';
import { containersOf, workloads } from './lib/pods.ts';
import { defaultsInput, scenarios } from './lib/scenarios.ts';

/** The Deployments that run a service entry point (runMain). */
function serviceDeployments(objects: Awaited<ReturnType<typeof render>>) {
  return workloads(objects).filter(
    (w) =>
      w.object.kind === 'Deployment' &&
      containersOf(w.spec).some((c) =>
        (c.args ?? []).some((a) => /^services\/[a-z-]+\/src\/main\.ts$/.test(a)),
      ),
  );
}

describe('shutdown deadline', () => {
  for (const scenario of scenarios) {
    it(`${scenario.name}: every service Deployment stops within its grace period, preStop sleep included`, async () => {
      const deployments = serviceDeployments(await render(scenario));
      assert.ok(deployments.length >= 2, `service Deployments: ${deployments.map((d) => d.id).join(', ')}`);
      for (const { id, spec } of deployments) {
        for (const container of containersOf(spec)) {
          const value = container.env?.find((e) => e.name === 'SHUTDOWN_DEADLINE_MS')?.value;
          assert.ok(value !== undefined, `${id}: SHUTDOWN_DEADLINE_MS is set`);
          const deadlineMs = Number(value);
          const preStopMs = (container.lifecycle?.preStop?.sleep?.seconds ?? 0) * 1000;
          const graceMs = (spec.terminationGracePeriodSeconds ?? 30) * 1000;
          assert.ok(
            deadlineMs > 0 && preStopMs + deadlineMs < graceMs,
            `${id}: preStop ${preStopMs} ms + deadline ${deadlineMs} ms < grace ${graceMs} ms`,
          );
        }
      }
    });
  }

  it("the chart's default is the services' default", async () => {
    const [deployment] = serviceDeployments(await render(defaultsInput));
    assert.ok(deployment, 'a service Deployment');
    const [container] = containersOf(deployment.spec);
    const value = container?.env?.find((e) => e.name === 'SHUTDOWN_DEADLINE_MS')?.value;
    assert.equal(value, String(defaultShutdownDeadlineMs));
  });

  it('refuses to render a deadline that would outlast the grace period', async () => {
    const result = await runHelm(
      templateArgs({
        ...defaultsInput,
        set: [
          ...(defaultsInput.set ?? []),
          'pod.shutdownDeadlineSeconds=26',
          'pod.terminationGracePeriodSeconds=30',
        ],
      }),
    );
    assert.notEqual(result.code, 0);
    assert.match(
      result.stderr,
      /pod\.shutdownDeadlineSeconds \(26\) \+ pod\.preStopSleepSeconds \(5\) must be below pod\.terminationGracePeriodSeconds \(30\)/,
    );
  });
});
