#!/usr/bin/env bash
# Builds what the benchmark needs and runs it: spawn request to ready with spawner.type docker, for 1
# and for 10 users at once, beside the same image started by hand with docker run (the floor), on
# this machine. Prints figures; it is not a test.
#   benchmarks/docker-spawn-run.sh                      1 and 10 users at once, 3 rounds each
#   benchmarks/docker-spawn-run.sh --rounds 5 --concurrency 1,5,10
#   benchmarks/docker-spawn-run.sh --help               all options
# Needs a Docker engine and the local image hubkit/singleuser:test (scripts/start-docker.sh: nothing is pulled).
# Builds the reference server (with spawner-docker) and this module from the checkout (nothing is installed);
# HUBKIT_BENCH_SKIP_BUILD=1 skips the build, HUBKIT_BENCH_MVN_OPTS adds Maven options (e.g. -o).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [ "${HUBKIT_BENCH_SKIP_BUILD:-0}" != "1" ]; then
  echo "[bench] building the reference server and benchmarks/ (mvn -pl examples/reference-server,benchmarks -am package, tests skipped)" >&2
  # shellcheck disable=SC2086
  mvn -q -B -Dstyle.color=never -DskipTests -Dquick ${HUBKIT_BENCH_MVN_OPTS:-} -pl examples/reference-server,benchmarks -am package
fi

exec java -Dhubkit.repo="$ROOT" -cp benchmarks/target/hubkit-benchmarks.jar org.hubkit.benchmarks.DockerSpawnBenchmark "$@"
