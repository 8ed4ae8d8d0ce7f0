#!/usr/bin/env bash
# Shell: nightly PostgreSQL backup to object storage with retention
set -Eeuo pipefail
trap 'echo "backup failed at line $LINENO" >&2' ERR

export PGPASSFILE="${PGPASSFILE:-/run/secrets/pgpass}"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
DUMP="/var/backups/orders-${STAMP}.dump"
BUCKET="s3://acme-db-backups/orders"
KEEP_DAYS=14

pg_dump --format=custom --no-owner --host="${PGHOST:-orders-db}" --username="${PGUSER:-backup}" \
  --file="$DUMP" orders
sha256sum "$DUMP" > "${DUMP}.sha256"
aws s3 cp "$DUMP" "${BUCKET}/${STAMP}.dump" --sse aws:kms --sse-kms-key-id alias/db-backups
aws s3 cp "${DUMP}.sha256" "${BUCKET}/${STAMP}.dump.sha256"
find /var/backups -name 'orders-*.dump*' -mtime +"$KEEP_DAYS" -delete
echo "backup ${STAMP} uploaded ($(du -h "$DUMP" | cut -f1))"
