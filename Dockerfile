# Build stage: Debian 12 with the same package list as `make deps`.
FROM debian:12 AS build
COPY tools/apt-packages.txt /tmp/apt-packages.txt
RUN apt-get update \
 && grep -v '^#' /tmp/apt-packages.txt | xargs apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/*
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The dashboard's chart library, from the lockfile, embedded by the build (docs/dashboard.md).
RUN npm ci --prefix ui --no-audit --no-fund --loglevel=error
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release \
 && cmake --build build -j2 --target cloud-tasks-emulator

# Runtime stage: the binary, its shared libraries (SQLite, OpenSSL, gRPC, protobuf), and a volume
# for the database.
FROM debian:12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libsqlite3-0 libssl3 libgrpc++1.51 libprotobuf32 \
    libtcmalloc-minimal4 libsimdjson14 \
    ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/bin/cloud-tasks-emulator /usr/local/bin/cloud-tasks-emulator
COPY fixtures/queues.json /etc/cloud-tasks-emulator/queues.json
VOLUME /data
EXPOSE 8123
ENTRYPOINT ["cloud-tasks-emulator", "--host", "0.0.0.0", "--port", "8123", "--db", "/data/cloud-tasks-emulator.db"]
