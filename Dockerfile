# syntax=docker/dockerfile:1
# ccai-emulator image: a statically linked (musl) binary on an empty base, run as non-root.
#
#   docker build -t ccai-emulator .
#   docker run --rm -p 127.0.0.1:8080:8080 ccai-emulator   # or podman build / podman run
#
# Without a registry or a Rust image: the `builder` stage is only a folder holding
# out/<arch>/ccai-emulator (a static Linux binary) and an empty out/state, so it can be
# replaced by a prebuilt one (packaging/stage.py --image-context DIR lays it out):
#
#   podman build --target runtime --build-context builder=DIR -t ccai-emulator:local .
#
# That is how tests/container/run.sh, .ci/run and the release workflow (both architectures,
# from the release binaries) build it; docs/docker.md has the offline route step by step.
#
# Base images are fully qualified (docker.io/library/...): podman, buildah and other
# OCI builders refuse short names such as `rust:1-alpine` unless a registries alias is set;
# docker resolves both the same way.

FROM docker.io/library/rust:1-alpine AS builder
# musl-dev: the C runtime the musl target links statically.
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
# Build settings: the bundled SQLite's compile flags (see .cargo/config.toml).
COPY .cargo ./.cargo
COPY src ./src
COPY fixtures ./fixtures
# The web console's page and icon are built into the binary.
COPY assets ./assets
# Cache mounts keep the registry and build output between builds; the binary is copied out
# of the cache in the same step. The musl target links statically by default; the flag
# makes it explicit.
# The binary goes to out/<arch>/ (TARGETARCH: amd64, arm64), the layout a prebuilt builder
# context has for a multi-architecture build.
ARG TARGETARCH
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    RUSTFLAGS="-C target-feature=+crt-static" cargo build --release --locked --bin ccai-emulator \
 && mkdir -p /out/state /out/${TARGETARCH} \
 && cp target/release/ccai-emulator /out/${TARGETARCH}/ccai-emulator

FROM scratch AS runtime
ARG TARGETARCH
COPY --from=builder /out/${TARGETARCH}/ccai-emulator /ccai-emulator
# An empty folder for --state-dir, owned by the user below: a volume mounted on it starts
# with that ownership, so CCAI_EMU_STATE_DIR=/state works without a chown.
COPY --from=builder --chown=65532:65532 /out/state /state
# Every setting comes from CCAI_EMU_* variables; these are the container's defaults.
ENV CCAI_EMU_BIND=0.0.0.0:8080 \
    CCAI_EMU_LOG_FORMAT=json
# An unprivileged uid/gid (the "nonroot" of distroless images); no passwd file is needed.
USER 65532:65532
EXPOSE 8080
# The binary is its own probe: it reads CCAI_EMU_BIND (0.0.0.0 is probed on 127.0.0.1).
HEALTHCHECK --interval=5s --timeout=3s --start-period=2s --retries=3 \
    CMD ["/ccai-emulator", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/ccai-emulator"]
