# A small image for running reimage in CI systems that take a container:
#   docker build -t reimage . && docker run --rm -v "$PWD:/work" reimage check --deny k8s.gcr.io/
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/reimage /usr/local/bin/reimage
WORKDIR /work
ENTRYPOINT ["reimage"]
