#!/bin/sh
# Shell: a container entrypoint that reads *_FILE secrets into environment variables
set -eu

file_env() {
  var="$1"
  file_var="${var}_FILE"
  eval "val=\${$var:-}"
  eval "file_val=\${$file_var:-}"
  if [ -n "$val" ] && [ -n "$file_val" ]; then
    echo >&2 "error: both $var and $file_var are set (but are exclusive)"
    exit 1
  fi
  if [ -n "$file_val" ]; then
    val="$(cat "$file_val")"
  fi
  export "$var"="$val"
  unset "$file_var"
}

file_env POSTGRES_PASSWORD
file_env REDIS_PASSWORD
file_env APP_SECRET_KEY

if [ "${1:-}" = "web" ]; then
  exec gunicorn app.wsgi:application --bind "[::]:${PORT:-8000}" --workers "${WEB_CONCURRENCY:-4}" --access-logfile -
fi
exec "$@"
