# The emulator's image (docs/docker.md). `make docker` builds it; `make docker-test` builds it and
# tests it end to end.

# Build stage: Debian 12 with the package list of `make deps`; only the two binaries the image
# ships. The dashboard's chart library is ui/node_modules' when the context has it (`make docker`
# puts it there), else the build fetches it from the npm registry, pinned and checked against
# ui/package-lock.json (tools/fetch_npm_package.py): no Node.js either way.
FROM debian:12 AS build
COPY tools/apt-packages.txt /tmp/apt-packages.txt
RUN apt-get update \
 && grep -v '^#' /tmp/apt-packages.txt | xargs apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/*
COPY . /src
RUN cmake -S /src -B /build -DCMAKE_BUILD_TYPE=Release -DCTE_DEBUG_INFO=OFF \
 && cmake --build /build -j"$(nproc)" --target cloud-tasks-emulator cloud-tasks \
 && strip /build/bin/cloud-tasks-emulator /build/bin/cloud-tasks

# Runtime stage: the binaries, their shared libraries, an unprivileged user and a volume.
FROM debian:12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libsqlite3-0 libssl3 libgrpc++1.51 libprotobuf32 \
    libtcmalloc-minimal4 libsimdjson14 ca-certificates \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/* /usr/share/doc/* /usr/share/man/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin emulator \
 && mkdir -p /data && chown emulator:emulator /data
COPY --from=build /build/bin/cloud-tasks-emulator /build/bin/cloud-tasks /usr/local/bin/
COPY fixtures/queues.json /etc/cloud-tasks-emulator/queues.json
# The defaults, as environment variables: a flag after the image name overrides its variable.
ENV CLOUD_TASKS_EMULATOR_BIND_HOST=0.0.0.0 \
    CLOUD_TASKS_EMULATOR_PORT=8123 \
    CLOUD_TASKS_EMULATOR_DB=/data/cloud-tasks-emulator.db
USER emulator
VOLUME /data
EXPOSE 8123
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD cloud-tasks --endpoint "127.0.0.1:${CLOUD_TASKS_EMULATOR_PORT}" emulator health --format json
ENTRYPOINT ["cloud-tasks-emulator"]
