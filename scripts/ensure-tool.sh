#!/usr/bin/env bash
# ensure-tool.sh COMMAND PACKAGE: COMMAND is found, or installed from the Debian package
# PACKAGE when running as root with apt-get; otherwise one line saying how. Used by `make test`
# for `node` (nodejs) and `promtool` (prometheus), and by bench/run.py for `wrk`.
set -euo pipefail
cmd="$1"
pkg="$2"
command -v "$cmd" >/dev/null && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "$cmd not found: installing it with apt-get (Debian package $pkg)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null || true
  if apt-get install -y -q --no-install-recommends "$pkg" >/dev/null && command -v "$cmd" >/dev/null; then
    exit 0
  fi
fi
echo "$cmd is not installed and could not be installed: run \`apt-get install $pkg\` as root, then retry" >&2
exit 1
