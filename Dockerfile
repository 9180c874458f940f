# Build: the release binary, linked against libpq; SQLite is compiled in.
FROM rust:1.95-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY migrations migrations
RUN cargo build --release --locked --bin tongxin

# Run: a slim image, an unprivileged user, the data dir as a volume.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq5 ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --create-home --home-dir /var/lib/tongxin tongxin
COPY --from=build /src/target/release/tongxin /usr/local/bin/tongxin
USER tongxin
WORKDIR /var/lib/tongxin
ENV TONGXIN_BIND=0.0.0.0:8080 \
    TONGXIN_DATA_DIR=/var/lib/tongxin/data \
    TONGXIN_LOG_FORMAT=json
VOLUME ["/var/lib/tongxin/data"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["tongxin"]
CMD ["serve"]
