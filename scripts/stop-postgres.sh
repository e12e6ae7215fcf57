#!/usr/bin/env bash
# Stops the throwaway cluster of scripts/start-postgres.sh, and nothing else.
# Env: HUBKIT_PG_DIR (default /tmp/hubkit-pg). Add --clean to also delete its folder.
set -euo pipefail

log() { echo "[stop-postgres] $*" >&2; }

PG_DIR="${HUBKIT_PG_DIR:-/tmp/hubkit-pg}"
PG_BIN="${HUBKIT_PG_BIN:-/usr/lib/postgresql/15/bin}"
DATA="$PG_DIR/data"

if [ "$(id -u)" -eq 0 ]; then
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi

if [ ! -s "$DATA/PG_VERSION" ]; then
  log "no cluster in $DATA"
elif (cd "$PG_DIR" && as_pg "$PG_BIN/pg_ctl" status -D "$DATA" >/dev/null 2>&1); then
  log "stopping $DATA"
  (cd "$PG_DIR" && as_pg "$PG_BIN/pg_ctl" stop -D "$DATA" -m fast -w -t 60 >&2)
else
  log "not running ($DATA)"
fi

if [ "${1:-}" = "--clean" ]; then
  log "removing $PG_DIR"
  rm -rf "$PG_DIR"
fi
