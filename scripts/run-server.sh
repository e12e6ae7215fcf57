#!/usr/bin/env bash
# Runs the reference server on a fresh Debian 12 machine: installs the real single-user server
# (Debian's jupyterhub package) if missing, builds the server jar, and runs it with any extra
# arguments ("$@", e.g. --config hubkit.yaml). Works from any cwd; data goes to ./hubkit-data.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if ! command -v jupyterhub-singleuser >/dev/null 2>&1; then
  echo "[run-server] installing Debian's jupyterhub package (the real jupyterhub-singleuser)" >&2
  as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq jupyterhub >&2
fi

JAR="$ROOT/examples/reference-server/target/hubkit-server.jar"
echo "[run-server] building $JAR" >&2
(cd "$ROOT" && mvn -q -B -DskipTests -Dquick package -pl examples/reference-server -am)
exec java -jar "$JAR" "$@"
