# syntax=docker/dockerfile:1.7
#
# AssetFlow production image.
#
#   docker build -t assetflow:latest --build-arg VERSION=$(git describe --tags --always) .
#
# Stages:
#   webui  - builds the Vue console into webui/dist/app
#   build  - compiles ./cmd/assetflow with the console embedded (go:embed)
#   final  - debian:bookworm-slim runtime, non-root, with a HEALTHCHECK
#
# CGO is enabled and the build stage uses the same Debian release (bookworm)
# as the runtime stage, so the glibc the binary links against is the one it
# runs on.

ARG NODE_VERSION=20
ARG GO_VERSION=1.26
ARG DEBIAN_RELEASE=bookworm

############################
# 1. Console (Vue + Vite)  #
############################
FROM node:${NODE_VERSION}-${DEBIAN_RELEASE}-slim AS webui
WORKDIR /src/webui
ENV CI=true \
    npm_config_audit=false \
    npm_config_fund=false \
    npm_config_update_notifier=false
# Dependency layer first: it is rebuilt only when the lock file changes.
COPY webui/package.json webui/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci
COPY webui/ ./
RUN npm run build && test -f dist/app/index.html

############################
# 2. Go binary             #
############################
FROM golang:${GO_VERSION}-${DEBIAN_RELEASE} AS build
WORKDIR /src
ENV CGO_ENABLED=1 \
    GOOS=linux \
    GOFLAGS=-trimpath
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
# The console must be in place before compiling: it is embedded in the binary.
COPY --from=webui /src/webui/dist/app ./webui/dist/app
# VERSION is what `assetflow version` prints (main.version).
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go build -buildvcs=false \
        -ldflags "-s -w -X main.version=${VERSION}" \
        -o /out/assetflow ./cmd/assetflow

############################
# 3. Runtime               #
############################
FROM debian:${DEBIAN_RELEASE}-slim AS final
ARG VERSION=dev
LABEL org.opencontainers.image.title="assetflow" \
      org.opencontainers.image.description="AssetFlow data-asset management platform" \
      org.opencontainers.image.version="${VERSION}"

# ca-certificates: TLS to Postgres, Kafka and datasources.
# curl: used only by the HEALTHCHECK below.
# tzdata: schedules expressed in local time zones.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 assetflow \
 && useradd --system --uid 10001 --gid assetflow \
        --home-dir /var/lib/assetflow --no-create-home \
        --shell /usr/sbin/nologin assetflow \
 && install -d -o assetflow -g assetflow -m 0750 /var/lib/assetflow

COPY --from=build /out/assetflow /usr/local/bin/assetflow

ENV ASSETFLOW_HTTP_ADDR=0.0.0.0:8080 \
    ASSETFLOW_DATA_DIR=/var/lib/assetflow

USER 10001:10001
WORKDIR /var/lib/assetflow
EXPOSE 8080

HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD curl -fsS -o /dev/null http://127.0.0.1:8080/healthz || exit 1

ENTRYPOINT ["assetflow"]
CMD ["serve"]
