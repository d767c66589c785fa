# burnwatch container image.
#
#   docker build -t burnwatch:0.1.0 .
#   docker run --read-only --tmpfs /tmp -v burnwatch-data:/var/lib/burnwatch -v "$PWD/slos:/etc/burnwatch/slos:ro" \
#     -e BURNWATCH_PROMETHEUS_URL=http://prometheus:9090 -p 9099:9099 burnwatch:0.1.0
#
# Two stages on the same Node 24 LTS image, so the native addon (better-sqlite3) is compiled against exactly
# the Node that runs it. The build stage has the compiler and the dev dependencies; the runtime stage gets only
# package.json, the production node_modules (with the compiled addon), dist/ and bin/.
#
# scripts/container-check.ts replays this file on a machine without Docker (CI): it runs the build stage's
# npm steps in a temporary directory, assembles the runtime stage from its COPY lines, then starts the
# ENTRYPOINT as the USER below with everything but the VOLUME read-only. Keep the steps in plain
# `COPY` / `ENV` / `RUN npm ...` lines so that replay stays exact.

FROM node:24-slim AS build
# Compiler for better-sqlite3 (node-gyp needs python3, make and a C++ compiler); only in this stage.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Build better-sqlite3 from source against this image's own Node headers (/usr/local/include/node): no
# download of prebuilt binaries or of a header tarball, and the addon matches the runtime stage's Node.
ENV npm_config_build_from_source=true \
    npm_config_nodedir=/usr/local
COPY package.json package-lock.json ./
# Why --ignore-scripts, then rebuild one package, then build, then prune (instead of `npm ci --omit=dev`):
# - `npm ci` runs the `prepare` script (tsc), which needs the sources (not copied yet, so the dependency layer
#   stays cached while only src/ changes) and the dev dependencies (typescript);
# - it also keeps every other package's install script from running: better-sqlite3 is the only dependency
#   that needs one, and `npm rebuild` runs exactly that one;
# - `npm prune --omit=dev` then removes the dev dependencies and leaves the compiled addon in place.
RUN npm ci --ignore-scripts --no-audit --no-fund
RUN npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
RUN npm run build
RUN npm prune --omit=dev --no-audit --no-fund

FROM node:24-slim AS runtime
# The heap cap keeps memory bounded: a cycle makes much short-lived garbage, and without a cap V8 lets the
# heap grow far past what is live before collecting (bench: 10,000 SLOs peak at 255 MB RSS with 256 MB,
# 360 MB without). Raise it for much larger SLO sets.
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-old-space-size=256 \
    BURNWATCH_CONFIG=/etc/burnwatch/config.yaml
WORKDIR /app
# Owned by root and not writable by the user below: the application tree is read-only even without
# --read-only / readOnlyRootFilesystem.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
# The image's settings: the database in the volume, SLOs from /etc/burnwatch/slos. Mount another file over it
# or pass --config; BURNWATCH_* variables override single settings (BURNWATCH_PROMETHEUS_URL, ...).
COPY deploy/docker/config.yaml /etc/burnwatch/config.yaml
# The data directory belongs to the runtime user, so a new named volume mounted there is writable too
# (Docker copies the image directory's owner into an empty volume). SQLite keeps burnwatch.db-wal and
# burnwatch.db-shm beside the database, in the same directory: nothing is written anywhere else.
RUN mkdir -p /var/lib/burnwatch && chown 10001:10001 /var/lib/burnwatch && chmod 0750 /var/lib/burnwatch
VOLUME ["/var/lib/burnwatch"]
# A numeric user (no passwd entry needed), so Kubernetes' runAsNonRoot can verify it is not root.
USER 10001:10001
EXPOSE 9099
# For `docker run` only (Kubernetes ignores HEALTHCHECK and uses the Deployment's probes). Liveness, not
# readiness: /readyz stays 503 while Prometheus cannot be reached, which is no reason to restart burnwatch.
# The image has no curl; Node's fetch does the request. Follows BURNWATCH_PORT when it is set.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.BURNWATCH_PORT || '9099') + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node runs as PID 1 and handles SIGTERM itself (burnwatch stops after the current cycle and closes the
# database); it starts no child processes, so no init process is needed to reap them.
ENTRYPOINT ["node", "bin/burnwatch.js", "run"]
CMD []
