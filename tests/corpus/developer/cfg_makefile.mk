# Make: a Makefile for a Go service, credentials read from the environment at run time
SHELL := /bin/bash
VERSION ?= $(shell git describe --tags --always --dirty)
IMAGE   ?= ghcr.io/acme/platform
GOFLAGS := -trimpath -ldflags="-s -w -X main.version=$(VERSION)"

.PHONY: build test lint image push run

build:
	go build $(GOFLAGS) -o bin/api ./cmd/api

test:
	go test -race -coverprofile=coverage.out ./...

lint:
	golangci-lint run --timeout 5m

image:
	docker build --secret id=gh_token,env=GITHUB_TOKEN -t $(IMAGE):$(VERSION) .

push: image
	echo "$$GHCR_TOKEN" | docker login ghcr.io -u "$$GHCR_USER" --password-stdin
	docker push $(IMAGE):$(VERSION)

run:
	DATABASE_URL="$${DATABASE_URL:?set DATABASE_URL}" API_TOKEN="$${API_TOKEN:?set API_TOKEN}" go run ./cmd/api
