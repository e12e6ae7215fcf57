#!/usr/bin/env bash
# Starts (idempotently) a throwaway PostgreSQL 15 cluster for the tests and prints, last,
#   HUBKIT_PG_URL=jdbc:postgresql://127.0.0.1:55432/hubkit?user=hubkit&password=hubkit
# Also prints HUBKIT_PG_STARTED=1 when this call started the server, 0 when it was already up.
# Env: HUBKIT_PG_DIR (default /tmp/hubkit-pg), HUBKIT_PG_PORT (default 55432).
# The server refuses to run as root: as root, everything runs as the 'postgres' OS user.
set -euo pipefail

log() { echo "[start-postgres] $*" >&2; }

PG_DIR="${HUBKIT_PG_DIR:-/tmp/hubkit-pg}"
PG_PORT="${HUBKIT_PG_PORT:-55432}"
PG_BIN="${HUBKIT_PG_BIN:-/usr/lib/postgresql/15/bin}"
DATA="$PG_DIR/data"
LOGFILE="$PG_DIR/postgres.log"

[ -x "$PG_BIN/initdb" ] || { log "ERROR: $PG_BIN/initdb not found: run scripts/install-components.sh"; exit 1; }

if [ "$(id -u)" -eq 0 ]; then
  PG_USER=postgres
  id "$PG_USER" >/dev/null 2>&1 || { log "ERROR: OS user postgres missing (is the postgresql package installed?)"; exit 1; }
  as_pg() { runuser -u "$PG_USER" -- "$@"; }
else
  PG_USER="$(id -un)"
  as_pg() { "$@"; }
fi

mkdir -p "$PG_DIR"
if [ "$(id -u)" -eq 0 ]; then chown "$PG_USER": "$PG_DIR"; fi
chmod 700 "$PG_DIR"

# --- initdb once -------------------------------------------------------------
if [ ! -s "$DATA/PG_VERSION" ]; then
  if [ -d "$DATA" ]; then
    log "removing incomplete data directory $DATA"
    rm -rf "$DATA"
  fi
  log "initdb in $DATA"
  # cd: the postgres user may not be allowed into the caller's cwd
  (cd "$PG_DIR" && as_pg "$PG_BIN/initdb" -D "$DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 >"$PG_DIR/initdb.log" 2>&1) \
    || { cat "$PG_DIR/initdb.log" >&2; exit 1; }
  # Throwaway cluster: loopback only, own socket folder, durability off for speed.
  cat >>"$DATA/postgresql.conf" <<CONF

# --- hubkit test cluster ---
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DIR'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
fi

# The port lives in postgresql.conf: keep it in step with HUBKIT_PG_PORT.
if ! grep -qE "^port = $PG_PORT\$" "$DATA/postgresql.conf"; then
  sed -i -E "s/^port = [0-9]+\$/port = $PG_PORT/" "$DATA/postgresql.conf"
fi

# --- start unless running -------------------------------------------------------
ready() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; }
wait_ready() { # $1 = tries of 0.5 s
  for _ in $(seq 1 "$1"); do ready && return 0; sleep 0.5; done
  return 1
}

started=0
running=0
if (cd "$PG_DIR" && as_pg "$PG_BIN/pg_ctl" status -D "$DATA" >/dev/null 2>&1); then
  # A pid file can outlive a killed server for a moment: trust only an answer.
  if wait_ready 20; then
    running=1
    log "already running ($DATA)"
  else
    log "pid file says running but nothing answers on 127.0.0.1:$PG_PORT: starting anyway"
  fi
fi
if [ "$running" -eq 0 ]; then
  log "starting on 127.0.0.1:$PG_PORT (log: $LOGFILE)"
  if ! (cd "$PG_DIR" && as_pg "$PG_BIN/pg_ctl" start -D "$DATA" -l "$LOGFILE" -w -t 60 >&2); then
    log "ERROR: server did not start; last log lines:"
    tail -n 30 "$LOGFILE" >&2 || true
    exit 1
  fi
  started=1
fi

wait_ready 120 || { log "ERROR: not accepting connections on 127.0.0.1:$PG_PORT"; tail -n 30 "$LOGFILE" >&2 || true; exit 1; }

# --- role and database -------------------------------------------------------------
psql_admin() { (cd "$PG_DIR" && as_pg "$PG_BIN/psql" -h "$PG_DIR" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"); }

if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = 'hubkit'")" != "1" ]; then
  log "creating role hubkit"
  psql_admin -c "CREATE ROLE hubkit LOGIN CREATEDB PASSWORD 'hubkit'"
fi
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = 'hubkit'")" != "1" ]; then
  log "creating database hubkit"
  psql_admin -c "CREATE DATABASE hubkit OWNER hubkit"
fi

echo "HUBKIT_PG_STARTED=$started"
echo "HUBKIT_PG_URL=jdbc:postgresql://127.0.0.1:$PG_PORT/hubkit?user=hubkit&password=hubkit"
