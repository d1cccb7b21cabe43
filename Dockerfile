# Infrastructor server image: build with cargo, run on a slim Debian with the OpenSSH client
# tools (ssh-keyscan for known_hosts) and CA certificates.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin infrastructor

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates openssh-client procps \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /var/lib/infrastructor infrastructor
# The data folder exists in the image, owned by the service user, so a named volume mounted
# there starts out writable.
RUN mkdir -p /var/lib/infrastructor/data && chown infrastructor: /var/lib/infrastructor/data
COPY --from=build /src/target/release/infrastructor /usr/local/bin/infrastructor
USER infrastructor
WORKDIR /var/lib/infrastructor
ENV INFRASTRUCTOR_LISTEN=0.0.0.0:9101
EXPOSE 9101
ENTRYPOINT ["infrastructor"]
CMD ["serve"]
