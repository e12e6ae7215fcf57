#!/usr/bin/env bash
# Installs the real components the tests and benchmarks run against:
#   Debian: jupyterhub (real jupyterhub-singleuser + Python JupyterHub 3.0), postgresql 15, wrk,
#           slapd + ldap-utils (auth-ldap's tests start their own slapd; no system instance)
#   npm:    configurable-http-proxy 5.3.x in a scratch folder (Debian's own CHP does not run on Node 20)
# Idempotent: skips whatever is already there; `apt-get update` only when a package is missing.
# Prints on stdout, last: HUBKIT_CHP_CMD=<path to the npm proxy's bin> (all else goes to stderr).
# Env: HUBKIT_CHP_DIR (default /opt/hubkit-chp), HUBKIT_CHP_VERSION (default 5.3).
set -euo pipefail

log() { echo "[install-components] $*" >&2; }

APT_PACKAGES=(jupyterhub postgresql wrk nginx-light chromium chromium-driver slapd ldap-utils)
CHP_DIR="${HUBKIT_CHP_DIR:-/opt/hubkit-chp}"
CHP_VERSION="${HUBKIT_CHP_VERSION:-5.3}"
CHP_BIN="$CHP_DIR/node_modules/.bin/configurable-http-proxy"

is_installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = "installed" ]
}

has_candidate() {
  local cand
  cand="$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}')"
  [ -n "$cand" ] && [ "$cand" != "(none)" ]
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# --- Debian packages ---------------------------------------------------------
missing=()
for p in "${APT_PACKAGES[@]}"; do
  is_installed "$p" || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
  log "apt: ${APT_PACKAGES[*]} already installed"
else
  log "apt: missing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # A throwaway cluster is started by scripts/start-postgres.sh; don't let the package
  # create and start its own 'main' cluster on 5432 on a machine that never had one.
  if ! is_installed postgresql-common && [ ! -e /etc/postgresql-common/createcluster.d/hubkit.conf ]; then
    as_root mkdir -p /etc/postgresql-common/createcluster.d
    echo "create_main_cluster = false" | as_root tee /etc/postgresql-common/createcluster.d/hubkit.conf >/dev/null
  fi
  # auth-ldap's tests run their own slapd with their own config: tell the package not to
  # create a default database (and so not to start a system instance on 389).
  if ! is_installed slapd; then
    echo "slapd slapd/no_configuration boolean true" | as_root debconf-set-selections
  fi
  need_update=0
  for p in "${missing[@]}"; do
    has_candidate "$p" || need_update=1
  done
  if [ "$need_update" -eq 1 ]; then
    log "apt: package lists lack a candidate, running apt-get update"
    as_root apt-get update >&2
  fi
  if ! as_root apt-get install -y "${missing[@]}" >&2; then
    # Stale lists give 404s for superseded versions: refresh once and retry.
    log "apt: install failed, refreshing package lists and retrying"
    as_root apt-get update >&2
    as_root apt-get install -y "${missing[@]}" >&2
  fi
fi

# Should the package have started a system slapd anyway, stop it by its own pid file only.
if [ -s /var/run/slapd/slapd.pid ]; then
  pid="$(cat /var/run/slapd/slapd.pid)"
  if kill -0 "$pid" 2>/dev/null; then
    log "apt: stopping the system slapd the package started (pid $pid from /var/run/slapd/slapd.pid)"
    as_root kill "$pid" || true
  fi
fi

for c in jupyterhub jupyterhub-singleuser wrk slapd ldapwhoami /usr/lib/postgresql/15/bin/initdb /usr/lib/postgresql/15/bin/pg_ctl; do
  command -v "$c" >/dev/null 2>&1 || { log "ERROR: $c not found after install"; exit 1; }
done

# --- npm configurable-http-proxy --------------------------------------------
chp_ok() {
  [ -x "$CHP_BIN" ] || return 1
  local v
  v="$("$CHP_BIN" --version 2>/dev/null || true)"
  case "$v" in "$CHP_VERSION".*|"$CHP_VERSION") return 0 ;; *) return 1 ;; esac
}

if chp_ok; then
  log "npm: configurable-http-proxy $("$CHP_BIN" --version) already in $CHP_DIR"
else
  command -v npm >/dev/null 2>&1 || { log "ERROR: npm not found (Node.js + npm are expected on the machine)"; exit 1; }
  log "npm: installing configurable-http-proxy@$CHP_VERSION into $CHP_DIR"
  as_root mkdir -p "$CHP_DIR"
  # A package.json of our own keeps npm from walking up to some other project.
  if [ ! -f "$CHP_DIR/package.json" ]; then
    echo '{"name":"hubkit-chp","private":true}' | as_root tee "$CHP_DIR/package.json" >/dev/null
  fi
  as_root npm install --prefix "$CHP_DIR" --no-audit --no-fund --loglevel=error \
    "configurable-http-proxy@~$CHP_VERSION.0" >&2
  chp_ok || { log "ERROR: $CHP_BIN does not run or is not $CHP_VERSION.x"; exit 1; }
  log "npm: configurable-http-proxy $("$CHP_BIN" --version) installed"
fi

echo "HUBKIT_CHP_CMD=$CHP_BIN"
