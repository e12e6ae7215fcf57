#!/usr/bin/env bash
# Builds the benchmarks module and runs the proxy benchmark: proxy-netty against nginx and
# configurable-http-proxy, on loopback, in one run. Prints figures; it is not a test.
#   benchmarks/proxy-run.sh                    HTTP (wrk) and WebSocket figures for all four targets
#   benchmarks/proxy-run.sh --only ours,nginx  some targets only (direct, nginx, chp, ours)
#   benchmarks/proxy-run.sh --soak 2           then 1,000 WebSockets through ours for 2 minutes, memory sampled
#   benchmarks/proxy-run.sh --help             all options
# Needs the components of scripts/install-components.sh (wrk, nginx-light, the npm proxy; run it first, as root).
# Our proxy is the proxy-netty in the local Maven repository (~/.m2), as the benchmarks module is
# built against it: to measure the checkout's proxy-netty, install it first:
#   (cd proxy-netty && mvn -q -DskipTests -Dquick install)
# HUBKIT_BENCH_SKIP_BUILD=1 skips the build.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
JAR=benchmarks/target/hubkit-benchmarks.jar

for a in "$@"; do
  case "$a" in
    -h|--help) HUBKIT_BENCH_SKIP_BUILD="${HUBKIT_BENCH_SKIP_BUILD:-$([ -f "$JAR" ] && echo 1 || echo 0)}" ;;
  esac
done

if [ "${HUBKIT_BENCH_SKIP_BUILD:-0}" != "1" ]; then
  echo "[proxy-bench] building benchmarks/ only (proxy-netty comes from the local Maven repository)" >&2
  (cd benchmarks && mvn -q -B -Dstyle.color=never -DskipTests -Dquick package)
fi

# Say which proxy-netty is measured, and whether the checkout's sources are newer.
M2_JAR="${HOME}/.m2/repository/org/hubkit/proxy-netty/0.1.0-SNAPSHOT/proxy-netty-0.1.0-SNAPSHOT.jar"
if [ -f "$M2_JAR" ]; then
  echo "[proxy-bench] proxy-netty measured: $M2_JAR ($(date -r "$M2_JAR" '+%Y-%m-%d %H:%M'))" >&2
  if [ -d proxy-netty/src/main ] && [ -n "$(find proxy-netty/src/main -type f -newer "$M2_JAR" -print -quit)" ]; then
    echo "[proxy-bench] note: proxy-netty/src/main has changes newer than that jar; install it first to measure them" >&2
  fi
fi

# The components installed by scripts/install-components.sh, unless set already.
if [ -z "${HUBKIT_CHP_CMD:-}" ] && [ -x /opt/hubkit-chp/node_modules/.bin/configurable-http-proxy ]; then
  export HUBKIT_CHP_CMD=/opt/hubkit-chp/node_modules/.bin/configurable-http-proxy
fi

exec java -cp "$JAR" org.hubkit.benchmarks.ProxyBenchmark "$@"
