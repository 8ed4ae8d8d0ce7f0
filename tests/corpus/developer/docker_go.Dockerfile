# Dockerfile: a static Go binary built with a private module proxy token passed as a secret
FROM golang:1.22.3-alpine AS build
RUN apk add --no-cache git ca-certificates
ENV GOPRIVATE=github.com/acme/* CGO_ENABLED=0
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=secret,id=gh_token \
    git config --global url."https://x-access-token:$(cat /run/secrets/gh_token)@github.com/".insteadOf "https://github.com/" && \
    go mod download
COPY . .
RUN go build -trimpath -ldflags="-s -w -X main.version=$(git describe --tags --always)" -o /out/api ./cmd/api

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=build /out/api /api
USER 65532:65532
ENTRYPOINT ["/api"]
