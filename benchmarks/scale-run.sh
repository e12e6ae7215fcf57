#!/usr/bin/env bash
# Builds what the benchmark needs and runs it: a hub with 50,000 users and 5,000 running servers
# killed with kill -9 and started again, on this machine. Prints figures; it is not a test.
#   benchmarks/scale-run.sh                    the issue's figures (about 5 minutes on 2 cores)
#   benchmarks/scale-run.sh --users 5000 --servers 500
#   benchmarks/scale-run.sh --help             all options
# Needs only a JDK 17 and Maven: the servers are one HTTP server inside the benchmark's JVM.
# Builds hub-api, hub-core, proxy-netty and this module from the checkout (nothing is installed);
# HUBKIT_BENCH_SKIP_BUILD=1 skips the build, HUBKIT_BENCH_MVN_OPTS adds Maven options (e.g. -o).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [ "${HUBKIT_BENCH_SKIP_BUILD:-0}" != "1" ]; then
  echo "[bench] building benchmarks/ and the modules it uses (mvn -pl benchmarks -am package, tests skipped)" >&2
  # shellcheck disable=SC2086
  mvn -q -B -Dstyle.color=never -DskipTests -Dquick ${HUBKIT_BENCH_MVN_OPTS:-} -pl benchmarks -am package
fi

exec java -cp benchmarks/target/hubkit-benchmarks.jar org.hubkit.benchmarks.ScaleBenchmark "$@"
