#!/usr/bin/env bash
# Shell: a deploy script that pulls credentials from the environment and a secrets manager
set -euo pipefail

: "${ENVIRONMENT:?set ENVIRONMENT (staging|production)}"
: "${AWS_REGION:=eu-west-1}"
IMAGE_TAG="${IMAGE_TAG:-$(git rev-parse --short=12 HEAD)}"
REGISTRY="123456789012.dkr.ecr.${AWS_REGION}.amazonaws.com"

log() { printf '[%s] %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }

log "logging in to ${REGISTRY}"
aws ecr get-login-password --region "$AWS_REGION" | docker login --username AWS --password-stdin "$REGISTRY"

DB_PASSWORD="$(aws secretsmanager get-secret-value --secret-id "${ENVIRONMENT}/orders/db" --query SecretString --output text | jq -r .password)"
export DB_PASSWORD

log "building ${IMAGE_TAG}"
docker build --pull --build-arg GIT_SHA="$IMAGE_TAG" -t "${REGISTRY}/orders-api:${IMAGE_TAG}" .
docker push "${REGISTRY}/orders-api:${IMAGE_TAG}"

log "migrating"
docker run --rm -e DATABASE_URL="postgres://orders:${DB_PASSWORD}@orders-db.${ENVIRONMENT}.internal:5432/orders" \
  "${REGISTRY}/orders-api:${IMAGE_TAG}" ./bin/migrate up

log "rolling out"
kubectl --context "$ENVIRONMENT" -n orders set image deployment/orders-api api="${REGISTRY}/orders-api:${IMAGE_TAG}"
kubectl --context "$ENVIRONMENT" -n orders rollout status deployment/orders-api --timeout=5m
log "done: ${IMAGE_TAG}"
