# housingsup in a container: build on Debian 12 with the same packages as scripts/setup.sh,
# run the supervisor in the foreground (logs on stderr).
FROM debian:12-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
        build-essential pkg-config librdkafka-dev libjsmn-dev libconfuse-dev libpq-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Makefile ./
COPY config config
COPY shm shm
COPY supervisor supervisor
COPY workers workers
RUN make build/release/housingsup

FROM debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends librdkafka1 libconfuse2 libpq5 \
    && rm -rf /var/lib/apt/lists/* && useradd --system --home /var/lib/housingsup housingsup
COPY --from=build /src/build/release/housingsup /usr/local/bin/housingsup
COPY config/housingsup.conf /etc/housingsup/housingsup.conf
COPY data/housing.csv /var/lib/housingsup/data/housing.csv
USER housingsup
WORKDIR /var/lib/housingsup
ENTRYPOINT ["housingsup", "start", "--foreground", "-c", "/etc/housingsup/housingsup.conf"]
