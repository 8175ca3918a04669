#!/usr/bin/env bash
# System packages the tests drive for real: Debian's Chromium (browser tests) and PostgreSQL
# (the job store's PostgreSQL tests start a throw-away server from its initdb and pg_ctl).
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)

have_postgres() {
  { command -v initdb && command -v pg_ctl; } >/dev/null 2>&1 && return 0
  compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null
}
have_postgres || missing+=(postgresql)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages: ${missing[*]}. Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "${missing[@]}"; }
# Debian's package starts a cluster of its own; the tests start theirs on a free port instead.
if [[ " ${missing[*]} " == *" postgresql "* ]] && command -v pg_ctlcluster >/dev/null 2>&1; then
  service postgresql stop >/dev/null 2>&1 || true
fi
