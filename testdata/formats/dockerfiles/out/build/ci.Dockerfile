# CI runner image: Go toolchain, linters and the docker CLI.
# Built by .github/workflows/ci-image.yml and published as ghcr.io/acme/ci-go.
ARG GO_VERSION=1.22

FROM ghcr.io/acme/golang:${GO_VERSION}-bookworm AS base
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates git make unzip \
 && rm -rf /var/lib/apt/lists/*

FROM base AS protoc
ARG PROTOC_VERSION=27.2
RUN curl -fsSL -o /tmp/protoc.zip \
      "https://github.com/protocolbuffers/protobuf/releases/download/v${PROTOC_VERSION}/protoc-${PROTOC_VERSION}-linux-x86_64.zip" \
 && unzip /tmp/protoc.zip -d /opt/protoc

FROM base
COPY --from=protoc /opt/protoc /opt/protoc
COPY --from=docker:27-cli /usr/local/bin/docker /usr/local/bin/docker
COPY --from=ghcr.io/acme/golang:1.22-alpine /usr/local/go/pkg/tool /usr/local/go/pkg/tool-alpine
ENV PATH=/opt/protoc/bin:$PATH
RUN go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.34.2 \
 && go install golang.org/x/tools/cmd/goimports@v0.23.0 \
 && go version
WORKDIR /workspace
