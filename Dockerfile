# syntax=docker/dockerfile:1
# One image for every service. Node 24 runs the TypeScript sources directly
# (type stripping), so there is no build step: the image holds the sources of
# the workspaces that run in production and their production dependencies.
# Workspace packages are symlinks in node_modules that Node resolves to their
# real paths (packages/..., services/...), outside node_modules, where type
# stripping applies.
#
#   docker build -t sketchyaf-realtime .
#   docker run sketchyaf-realtime services/timer-monitor/src/main.ts
#   kubectl exec deploy/<release>-broadcaster -- sketchyaf-realtime control status
#
# The chart picks the service with `args` (the entry point is node).

# Keep in step with .nvmrc (a test checks).
ARG NODE_VERSION=24.21.0

# Only the manifests, so that the dependency layer is rebuilt when they
# change and not on every source change.
FROM node:${NODE_VERSION}-trixie-slim AS manifests
WORKDIR /src
COPY . .
RUN mkdir /out \
  && find . -name package.json -not -path '*/node_modules/*' -exec cp --parents '{}' /out/ ';' \
  && cp package-lock.json .npmrc /out/

# Production dependencies of packages/core, packages/leases, packages/control,
# packages/cli (the operator CLI, run with kubectl exec) and services/* only: no
# dev dependencies, no devstack, testkit or local-servers (embedded PostgreSQL),
# no install scripts. test/chart/dockerfile.test.ts checks this list against the
# workspaces the services and the CLI depend on.
FROM node:${NODE_VERSION}-trixie-slim AS deps
WORKDIR /app
COPY --from=manifests /out/ ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    --include-workspace-root --workspace packages/core --workspace packages/leases \
    --workspace packages/control --workspace packages/cli --workspace services \
  && npm cache clean --force

FROM node:${NODE_VERSION}-trixie-slim AS base
# npm, npx, corepack and yarn are not needed at run time: fewer tools, fewer CVEs.
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx \
    /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*
ENV NODE_ENV=production
WORKDIR /app
ENTRYPOINT ["node"]
STOPSIGNAL SIGTERM

# pubnub-local for CI and local clusters only (node built-ins, no dependencies):
#   docker build --target pubnub-local -t pubnub-local .
FROM base AS pubnub-local
COPY --chown=root:root packages/pubnub-local/package.json packages/pubnub-local/
COPY --chown=root:root packages/pubnub-local/src packages/pubnub-local/src
ENV HOST=0.0.0.0 PORT=8090
EXPOSE 8090
USER 1000:1000
CMD ["packages/pubnub-local/src/main.ts"]

# The services (the default target). Files stay owned by root and read-only
# to the numeric non-root user the processes run as.
FROM base AS runtime
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="sketchyaf-realtime" \
      org.opencontainers.image.description="SketchyAF realtime: timer monitor, broadcaster, health" \
      org.opencontainers.image.source="https://github.com/sketchyaf/sketchyaf-realtime" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
COPY --from=deps --chown=root:root /app/ ./
COPY --chown=root:root packages/core/src packages/core/src
COPY --chown=root:root packages/leases/src packages/leases/src
COPY --chown=root:root packages/control/src packages/control/src
COPY --chown=root:root services/ services/
COPY --chown=root:root db/migrations db/migrations
# The game backend stand-in for load tests against staging (chart: loadTest.gameBackend).
COPY --chown=root:root load-tests/gameBackend load-tests/gameBackend
COPY --chown=root:root packages/cli/src packages/cli/src
COPY --chown=root:root packages/cli/bin packages/cli/bin
# On PATH for `kubectl exec … -- sketchyaf-realtime …` (exec bypasses the node
# entry point; the bin's shebang runs node on the TypeScript directly).
RUN chmod 0755 packages/cli/bin/sketchyaf-realtime.ts \
  && ln -s /app/packages/cli/bin/sketchyaf-realtime.ts /usr/local/bin/sketchyaf-realtime
USER 1000:1000
EXPOSE 8080 8081 8082
CMD ["services/broadcaster/src/main.ts"]
