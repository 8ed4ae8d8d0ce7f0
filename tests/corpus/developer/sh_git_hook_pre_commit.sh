#!/usr/bin/env bash
# Shell: a git pre-commit hook that refuses staged files with secrets
set -euo pipefail

if ! command -v gitleaks >/dev/null 2>&1; then
  echo "gitleaks not installed: brew install gitleaks" >&2
  exit 1
fi

gitleaks protect --staged --redact --no-banner -v || {
  echo
  echo "Secrets found in staged changes. Move them to .env (ignored) or your vault,"
  echo "and reference them as \${VAR_NAME} in configuration."
  exit 1
}

staged_env="$(git diff --cached --name-only | grep -E '(^|/)\.env($|\.)' | grep -v '\.example$' || true)"
if [ -n "$staged_env" ]; then
  echo "Refusing to commit env files: $staged_env" >&2
  exit 1
fi
