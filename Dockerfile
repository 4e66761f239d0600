# SPDX-License-Identifier: GPL-3.0-or-later
# mediaforged in a container, built from this tree on Debian 12 slim and installed from its own
# .deb packages with the commands CI runs on a fresh Debian 12 machine (.ci/run):
#   build stage:   ./dev package              (./dev's package list, the build, CPack)
#   runtime stage: tools/install-debs *.deb   (apt-get pulls in the packages' Depends)
# This project's CI has no Docker engine; it proves these two steps, and the installed service,
# on a plain machine. docs/operations.md#docker-and-compose explains the settings below.
#   docker build -t mediaforged .

FROM debian:12-slim AS build
WORKDIR /src
COPY . .
RUN ./dev package

FROM debian:12-slim
# The service and the CLI (the health check uses it); the monitor is a desktop program.
COPY --from=build /src/build/packages/mediaforged_*.deb /src/build/packages/mediaforge_*.deb /tmp/packages/
COPY --from=build /src/tools/install-debs /tmp/packages/
RUN /tmp/packages/install-debs /tmp/packages/*.deb \
    && rm -rf /tmp/packages /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/mediaforge --shell /usr/sbin/nologin mediaforge \
    && install -d -o mediaforge -g mediaforge -m 0700 /var/lib/mediaforge

# The container's own network namespace: 0.0.0.0 is what the published ports reach, so a
# tokens file is required (the service refuses to start without one, exit 2). Mount it as a
# secret; the compose file does.
ENV MEDIAFORGE_HOST=0.0.0.0 \
    MEDIAFORGE_PORT=8080 \
    MEDIAFORGE_HTTP_PORT=8081 \
    MEDIAFORGE_DATA_DIR=/var/lib/mediaforge \
    MEDIAFORGE_TOKENS_FILE=/run/secrets/mediaforge_tokens
VOLUME /var/lib/mediaforge
EXPOSE 8080 8081
USER mediaforge
# SIGTERM drains (MEDIAFORGE_DRAIN_SECONDS, 30 s): give `docker stop` more than that (-t 60).
STOPSIGNAL SIGTERM
# /health needs no token; exit 0 healthy, 1 degraded (ffmpeg or the data dir unusable), 3 unreachable.
HEALTHCHECK --interval=30s --timeout=15s --start-period=30s --retries=3 \
    CMD ["mediaforge", "health", "--http", "http://127.0.0.1:8081"]
ENTRYPOINT ["mediaforged"]
