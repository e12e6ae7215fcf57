#!/usr/bin/env bash
# Builds what the benchmark needs and runs it: Python JupyterHub 3.0 vs the Hubkit reference
# server, side by side, on this machine. Prints figures; it is not a test.
#   benchmarks/run.sh                     both hubs (builds the whole project, tests skipped)
#   benchmarks/run.sh --only-jupyterhub   the Python side alone (builds this module only)
#   benchmarks/run.sh --help              all options
# Needs the components of scripts/install-components.sh (run it first, as root).
# HUBKIT_BENCH_SKIP_BUILD=1 skips the build.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

only_jupyterhub=0
for a in "$@"; do
  case "$a" in
    --only-jupyterhub) only_jupyterhub=1 ;;
    -h|--help) HUBKIT_BENCH_SKIP_BUILD="${HUBKIT_BENCH_SKIP_BUILD:-$([ -f benchmarks/target/hubkit-benchmarks.jar ] && echo 1 || echo 0)}" ;;
  esac
done

if [ "${HUBKIT_BENCH_SKIP_BUILD:-0}" != "1" ]; then
  if [ "$only_jupyterhub" -eq 1 ]; then
    echo "[bench] building benchmarks/ only" >&2
    (cd benchmarks && mvn -q -B -Dstyle.color=never -DskipTests -Dquick package)
  else
    echo "[bench] building the project (mvn -q -DskipTests -Dquick package)" >&2
    mvn -q -B -Dstyle.color=never -DskipTests -Dquick package
  fi
fi

# The components installed by scripts/install-components.sh, unless set already.
if [ -z "${HUBKIT_CHP_CMD:-}" ] && [ -x /opt/hubkit-chp/node_modules/.bin/configurable-http-proxy ]; then
  export HUBKIT_CHP_CMD=/opt/hubkit-chp/node_modules/.bin/configurable-http-proxy
fi

exec java -Dhubkit.repo="$ROOT" -jar benchmarks/target/hubkit-benchmarks.jar "$@"
