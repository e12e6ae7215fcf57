#!/usr/bin/env bash
# Builds the local images the Docker tests use, from Debian packages and without a registry:
# mmdebstrap makes a root filesystem from the machine's own apt sources, `docker import` turns
# it into an image. Cached by tag: an image whose tag the engine already has is not rebuilt.
#   hubkit/singleuser:test   the real jupyterhub-singleuser 3.0 (jupyterhub + python3-notebook),
#                            run as jovyan (uid 1000, home /home/jovyan), as DockerSpawner's images
#   hubkit/singleuser:alt    the same file system imported again with another label: a different
#                            image id, which is what an image upgrade looks like to a spawner
#   hubkit/java:test         Debian's OpenJDK 17 runtime (openjdk-17-jre-headless, ca-certificates):
#                            the base the hub's own image is built on locally
#                            (examples/docker-compose/Dockerfile, ARG BASE_IMAGE; HubContainer)
# Also installs Debian's docker-compose (1.29) when missing, for examples/docker-compose.
# Env: HUBKIT_IMAGE_SUITE (default bookworm).
set -euo pipefail

log() { echo "[build-images] $*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
SUITE="${HUBKIT_IMAGE_SUITE:-bookworm}"

have() { docker image inspect "$1" >/dev/null 2>&1; }
apt_install() { # $1 package (idempotent: the caller checks first)
  log "apt: installing $1"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get install -y "$1" >&2 || { as_root apt-get update >&2; as_root apt-get install -y "$1" >&2; }
}

command -v docker-compose >/dev/null 2>&1 || apt_install docker-compose

if have hubkit/singleuser:test && have hubkit/singleuser:alt && have hubkit/java:test; then
  log "hubkit/singleuser:test, :alt and hubkit/java:test already built"
  exit 0
fi

command -v mmdebstrap >/dev/null 2>&1 || apt_install mmdebstrap

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! have hubkit/java:test; then
  log "building a $SUITE root file system with openjdk-17-jre-headless"
  as_root mmdebstrap --variant=apt --include=openjdk-17-jre-headless,ca-certificates \
    "$SUITE" "$work/java.tar" >&2
  as_root docker import -c 'CMD ["java", "-version"]' -c 'LABEL org.hubkit.variant=java' \
    "$work/java.tar" hubkit/java:test >&2
  rm -f "$work/java.tar"
  log "hubkit/java:test built: $(docker image inspect -f '{{.Id}}' hubkit/java:test)"
fi

if have hubkit/singleuser:test && have hubkit/singleuser:alt; then
  log "hubkit/singleuser:test and :alt already built"
  exit 0
fi
log "building a $SUITE root file system with jupyterhub and python3-notebook"
as_root mmdebstrap --variant=apt --include=jupyterhub,python3-notebook \
  --customize-hook='chroot "$1" useradd -m -u 1000 -U -s /bin/bash jovyan' \
  --customize-hook='chroot "$1" mkdir -p /home/jovyan/work' \
  --customize-hook='chroot "$1" chown -R 1000:1000 /home/jovyan' \
  "$SUITE" "$work/rootfs.tar" >&2

import() { # $1 tag, $2 variant label
  have "$1" && { log "$1 already built"; return 0; }
  as_root docker import \
    -c 'CMD ["jupyterhub-singleuser"]' -c 'USER jovyan' -c 'WORKDIR /home/jovyan' \
    -c 'ENV HOME=/home/jovyan' -c "LABEL org.hubkit.variant=$2" \
    "$work/rootfs.tar" "$1" >&2
  log "$1 built: $(docker image inspect -f '{{.Id}}' "$1")"
}
import hubkit/singleuser:test test
import hubkit/singleuser:alt alt
