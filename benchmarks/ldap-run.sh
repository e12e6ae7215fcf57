#!/usr/bin/env bash
# Builds what the benchmark needs and runs it: logins per second through auth-ldap against a local
# slapd (started by the benchmark in a temporary folder), for 1 and for 16 users at once, beside
# ldapwhoami run in the same loop (the floor), on this machine. Prints figures; it is not a test.
#   benchmarks/ldap-run.sh                          1 and 16 users at once, 5 s each
#   benchmarks/ldap-run.sh --seconds 10 --concurrency 1,4,16
#   benchmarks/ldap-run.sh --help                   all options
# Needs Debian's slapd and ldap-utils (bash scripts/install-components.sh).
# Builds this module from the checkout (nothing is installed); HUBKIT_BENCH_SKIP_BUILD=1 skips the
# build, HUBKIT_BENCH_MVN_OPTS adds Maven options (e.g. -o).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [ "${HUBKIT_BENCH_SKIP_BUILD:-0}" != "1" ]; then
  echo "[bench] building benchmarks/ (mvn -pl benchmarks -am package, tests skipped)" >&2
  # shellcheck disable=SC2086
  mvn -q -B -Dstyle.color=never -DskipTests -Dquick ${HUBKIT_BENCH_MVN_OPTS:-} -pl benchmarks -am package
fi

exec java -cp benchmarks/target/hubkit-benchmarks.jar org.hubkit.benchmarks.LdapLoginBenchmark "$@"
