#!/usr/bin/env bash
# Installs (Debian's docker.io) and starts a Docker engine when none answers, then builds the
# local test images from Debian packages (scripts/build-images.sh). No systemd on these
# machines: dockerd is started in the background and its pid written to /run/hubkit-dockerd.pid.
# Idempotent. Prints on stdout, last: HUBKIT_DOCKER_STARTED=0|1 (all else goes to stderr).
set -euo pipefail

log() { echo "[start-docker] $*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

started=0
if docker info >/dev/null 2>&1; then
  log "a Docker engine already answers"
else
  if ! command -v dockerd >/dev/null 2>&1; then
    log "apt: installing docker.io"
    export DEBIAN_FRONTEND=noninteractive
    if ! as_root apt-get install -y docker.io >&2; then
      as_root apt-get update >&2
      as_root apt-get install -y docker.io >&2
    fi
  fi
  log "starting dockerd (log: /var/log/hubkit-dockerd.log)"
  as_root bash -c 'nohup dockerd > /var/log/hubkit-dockerd.log 2>&1 & echo $! > /run/hubkit-dockerd.pid'
  for _ in $(seq 1 120); do
    docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  docker info >/dev/null 2>&1 || { log "ERROR: dockerd did not answer within 60 s"; tail -20 /var/log/hubkit-dockerd.log >&2; exit 1; }
  started=1
  log "dockerd answers (pid $(cat /run/hubkit-dockerd.pid))"
fi

bash "$ROOT/scripts/build-images.sh" >&2
echo "HUBKIT_DOCKER_STARTED=$started"
