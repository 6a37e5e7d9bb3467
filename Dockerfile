# Builds the ferroconnect worker; the runtime image is Debian slim with the binary only.
# docker build -t ferroconnect .   (config-examples/docker-compose.yml builds it for you)

FROM rust:1-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends cmake pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# .git is not copied: pass the commit for `GET /` (docker build --build-arg FERRO_GIT_COMMIT=$(git rev-parse --short=12 HEAD)).
ARG FERRO_GIT_COMMIT=unknown
ENV FERRO_GIT_COMMIT=${FERRO_GIT_COMMIT}
RUN cargo build --release --locked --bin ferroconnect \
    && strip target/release/ferroconnect

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/ferroconnect --create-home ferroconnect
COPY --from=build /src/target/release/ferroconnect /usr/local/bin/ferroconnect
COPY config-examples/worker.properties /etc/ferroconnect/worker.properties
USER ferroconnect
WORKDIR /var/lib/ferroconnect
# REST API (Kafka Connect's port) and the optional separate metrics port.
EXPOSE 8083 9464
ENTRYPOINT ["ferroconnect"]
CMD ["standalone", "/etc/ferroconnect/worker.properties"]
