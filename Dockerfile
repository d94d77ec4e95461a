# housingsup in a container: build on Debian 12 with the same packages as scripts/setup.sh,
# install with `make install`, run the supervisor in the foreground (logs on stderr;
# SIGTERM, as sent by `docker stop`, is an orderly stop).
# BASE_IMAGE: any Debian 12 image; `make container` passes one it made itself when no
# debian:12-slim is at hand (scripts/container/base-image.sh).
ARG BASE_IMAGE=debian:12-slim
FROM ${BASE_IMAGE} AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
        build-essential pkg-config librdkafka-dev libjsmn-dev libconfuse-dev libpq-dev zlib1g-dev \
        libmicrohttpd-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Makefile init.sql ./
COPY common common
COPY config config
COPY shm shm
COPY supervisor supervisor
COPY workers workers
COPY scripts/packaging scripts/packaging
RUN make -j"$(nproc)" build/release/housingsup && make install DESTDIR=/out PREFIX=/usr/local

FROM ${BASE_IMAGE}
# The user housingsup has a fixed uid and gid, 10001, so that a configuration mounted from the
# host can be made readable to it (chown 10001:10001 FILE; chmod 0640 FILE).
RUN apt-get update && apt-get install -y --no-install-recommends \
        librdkafka1 libconfuse2 libpq5 zlib1g libmicrohttpd12 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 housingsup \
    && useradd --system --uid 10001 --gid housingsup --home-dir /var/lib/housingsup \
               --shell /usr/sbin/nologin housingsup \
    && install -d -o housingsup -g housingsup -m 0750 /var/lib/housingsup /var/lib/housingsup/run
# binary, man page, init.sql; the configuration readable by the housingsup group only
COPY --from=build /out/usr/local/ /usr/local/
COPY --from=build --chown=root:housingsup /out/etc/housingsup/ /etc/housingsup/
COPY data/housing.csv /var/lib/housingsup/data/housing.csv
USER housingsup
WORKDIR /var/lib/housingsup
STOPSIGNAL SIGTERM
ENTRYPOINT ["housingsup", "start", "--foreground", "-c", "/etc/housingsup/housingsup.conf"]
