#!/usr/bin/env bash
# The project's one test command: installs the real components, starts the throwaway
# PostgreSQL cluster, then runs `mvn -B install` at the repo root (every test `mvn verify` runs,
# then the artifacts go into the local Maven repository) and, against those installed artifacts,
# `mvn -B verify` in examples/sdk-consumer (outside the reactor: a project that uses Hubkit
# through its BOM, and runs the README's program). Extra args ("$@") go to both Maven runs
# (e.g. -o, -Dmaven.repo.local=DIR). Exits with the first failing Maven's exit code, else 0.
# Works from any cwd.
#   HUBKIT_PG_URL          JDBC URL of the test cluster (scripts/start-postgres.sh)
#   HUBKIT_SINGLEUSER_CMD  the real jupyterhub-singleuser 3.0 (Debian's jupyterhub package)
#   HUBKIT_CHP_CMD         the npm configurable-http-proxy 5.3.x (scripts/install-components.sh)
#   a Docker engine        started by scripts/start-docker.sh, with the hubkit/singleuser:* and hubkit/java:test
#                          images and docker-compose (examples/docker-compose, DockerComposeIT)
# Set HUBKIT_KEEP_PG=1 to leave the cluster running when this script started it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { echo "[test] $*" >&2; }

value_of() { # $1 = KEY, stdin = KEY=VALUE lines; prints the last VALUE
  sed -n "s/^$1=//p" | tail -n 1
}

install_out="$(bash scripts/install-components.sh)"
chp_cmd="$(value_of HUBKIT_CHP_CMD <<<"$install_out")"
if [ -n "$chp_cmd" ]; then export HUBKIT_CHP_CMD="${HUBKIT_CHP_CMD:-$chp_cmd}"; fi

# The Docker engine (Debian's docker.io) and the single-user images built from Debian packages,
# for spawner-docker's tests and the hub-in-a-container example; left running afterwards.
docker_out="$(bash scripts/start-docker.sh)"
log "docker: $(value_of HUBKIT_DOCKER_STARTED <<<"$docker_out" | sed 's/1/engine started/;s/0/engine was already running/')"
export TESTCONTAINERS_RYUK_DISABLED=true # the Ryuk image cannot be pulled here; tests remove what they create

pg_out="$(bash scripts/start-postgres.sh)"
HUBKIT_PG_URL="$(value_of HUBKIT_PG_URL <<<"$pg_out")"
export HUBKIT_PG_URL
pg_started="$(value_of HUBKIT_PG_STARTED <<<"$pg_out")"
if [ "$pg_started" = "1" ] && [ "${HUBKIT_KEEP_PG:-0}" != "1" ]; then
  trap 'bash "$ROOT/scripts/stop-postgres.sh" || true' EXIT
fi

# Debian's single-user server; a pyenv or venv earlier on PATH must not shadow it.
if [ -z "${HUBKIT_SINGLEUSER_CMD:-}" ]; then
  if [ -x /usr/bin/jupyterhub-singleuser ]; then
    HUBKIT_SINGLEUSER_CMD=/usr/bin/jupyterhub-singleuser
  else
    HUBKIT_SINGLEUSER_CMD="$(command -v jupyterhub-singleuser || true)"
  fi
fi
export HUBKIT_SINGLEUSER_CMD

log "HUBKIT_PG_URL=$HUBKIT_PG_URL"
log "HUBKIT_SINGLEUSER_CMD=$HUBKIT_SINGLEUSER_CMD"
log "HUBKIT_CHP_CMD=${HUBKIT_CHP_CMD:-}"
log "mvn -B install $*"
set +e
mvn -B install "$@"
rc=$?
set -e
log "mvn exited with $rc"
if [ "$rc" -ne 0 ]; then
  exit "$rc"
fi

# Outside the reactor, as a consumer: only what `install` just put into the local repository.
log "mvn -B -f examples/sdk-consumer/pom.xml verify $*"
set +e
mvn -B -f examples/sdk-consumer/pom.xml verify "$@"
rc=$?
set -e
log "examples/sdk-consumer: mvn exited with $rc"
exit "$rc"
