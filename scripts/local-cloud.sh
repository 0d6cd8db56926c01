#!/usr/bin/env bash
# local-cloud.sh — a real Keystone + Glance (+ its own PostgreSQL) on 127.0.0.1
# for integration tests and demos of `img`.
#
#   bash scripts/local-cloud.sh up       start (installing/bootstrapping as needed); idempotent
#   bash scripts/local-cloud.sh down     stop the processes this state dir started
#   bash scripts/local-cloud.sh status   print what is up; exit 0 only when all is up
#   bash scripts/local-cloud.sh env [admin|demo]   print the absolute path of an openrc file
#   bash scripts/local-cloud.sh check-packages     apt-get update, then fail unless every package
#                                                  `up` or `tools` may install still has an installable candidate
#   bash scripts/local-cloud.sh tools              install what the unit and process tests run (qemu-img, zsh, fish)
#
# Environment (defaults in brackets):
#   IMG_CLOUD_DIR            state directory                [<repo>/.cloud]
#   IMG_CLOUD_KEYSTONE_PORT  Keystone port                  [5000]
#   IMG_CLOUD_GLANCE_PORT    Glance port                    [9292]
#   IMG_CLOUD_PG_PORT        PostgreSQL port                [5499]
#   IMG_CLOUD_ADMIN_PASSWORD password of `admin`            [admin-secret-pw]
#   IMG_CLOUD_DEMO_PASSWORD  password of `demo`             [demo-secret-pw]
#   IMG_CLOUD_GLANCE_PASSWORD password of service user `glance` [glance-secret-pw]
#   IMG_CLOUD_GLANCE2_PORT   RegionTwo's Glance port, 0 = none [Glance port + 1]
#   IMG_CLOUD_TIMEOUT        seconds `up` waits for the APIs [120]
# Use different dirs and ports to run several clouds side by side.
set -euo pipefail

# Close descriptors inherited beyond stdio (255 is bash's own): the daemons
# would inherit them, and a caller's pipe held open by a daemon keeps the
# caller (a CI runner, `up | tee`) waiting for output that never ends.
for fd in /proc/$$/fd/*; do
  fd=${fd##*/}
  if [[ $fd =~ ^[0-9]+$ ]] && ((fd > 2 && fd != 255)); then eval "exec $fd>&-" 2>/dev/null || true; fi
done

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd -P)

STATE=${IMG_CLOUD_DIR:-$REPO_DIR/.cloud}
KS_PORT=${IMG_CLOUD_KEYSTONE_PORT:-5000}
GL_PORT=${IMG_CLOUD_GLANCE_PORT:-9292}
PG_PORT=${IMG_CLOUD_PG_PORT:-5499}
ADMIN_PW=${IMG_CLOUD_ADMIN_PASSWORD:-admin-secret-pw}
DEMO_PW=${IMG_CLOUD_DEMO_PASSWORD:-demo-secret-pw}
GLANCE_PW=${IMG_CLOUD_GLANCE_PASSWORD:-glance-secret-pw}
TIMEOUT=${IMG_CLOUD_TIMEOUT:-120}
REGION=RegionOne
HOST=127.0.0.1

# Debian's interpreter and tools, always by absolute path: `python3` and
# `pg_ctl` on PATH may be other builds (pyenv, /usr/local) that lack OpenStack.
PY=/usr/bin/python3
UWSGI=/usr/bin/uwsgi
KS_MANAGE=/usr/bin/keystone-manage
PACKAGES=(python3-keystone python3-glance python3-openstackclient python3-keystonemiddleware
          python3-keystoneclient postgresql python3-psycopg2 uwsgi-core uwsgi-plugin-python3 curl
          qemu-utils)  # qemu-utils: qemu-img for the image_conversion import plugin (write_import_configs)
# What the unit and process tests need on the machine (`tools`, run by scripts/run-tests.mjs).
TEST_TOOLS=(qemu-utils zsh fish)

# Keep the caller's Python and OpenStack settings away from the services and
# from our own API calls (a sourced openrc of another cloud would otherwise leak in).
unset PYTHONPATH PYTHONHOME PYTHONSTARTUP PYTHONUSERBASE VIRTUAL_ENV
while read -r v; do unset "$v"; done < <(compgen -e | grep '^OS_' || true)
export PATH="$PATH:/usr/sbin:/sbin"
export LC_ALL=C.UTF-8

log() { printf 'local-cloud: %s\n' "$*" >&2; }
die() { printf 'local-cloud: error: %s\n' "$*" >&2; exit 1; }

# Tail of each named log file from the state dir, to stderr (for failures).
show_logs() {
  local f
  for f in "$@"; do
    [[ -s $f ]] || continue
    printf -- '---- last lines of %s ----\n' "$f" >&2
    tail -n 30 "$f" >&2
  done
}
fail() { local msg=$1; shift; show_logs "$@"; die "$msg"; }

for p in "$KS_PORT" "$GL_PORT" "$PG_PORT" "$TIMEOUT"; do
  [[ $p =~ ^[0-9]+$ ]] || die "not a number: '$p' (check IMG_CLOUD_* variables)"
done

# Absolute state dir, whatever the caller's cwd (only `up` creates it).
[[ $STATE == /* ]] || STATE=$PWD/$STATE
# a dir we create is 0711: postgres may traverse it, others can't list it
[[ ${1:-} != up || -d $STATE ]] || mkdir -p -m 711 "$STATE"
[[ ! -d $STATE ]] || STATE=$(cd "$STATE" && pwd -P)
LOGS=$STATE/logs
RUN=$STATE/run
KS_DIR=$STATE/keystone
GL_DIR=$STATE/glance
PG_DIR=$STATE/pg
PG_DATA=$PG_DIR/data
KS_URL=http://$HOST:$KS_PORT/v3
GL_URL=http://$HOST:$GL_PORT

# ---------------------------------------------------------------- helpers ---

# PostgreSQL refuses to run as root: run it as `postgres` when we are root.
as_pg() { if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -n $d && -x $d/pg_ctl ]] || return 1
  printf '%s\n' "$d"
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# pid from a pid file, if that process is alive and was started from this
# state dir (its command line names a file in it) — never someone else's.
our_pid() {
  local f=$RUN/$1.pid pid
  [[ -f $f ]] || return 1
  pid=$(<"$f")
  [[ $pid =~ ^[0-9]+$ ]] && [[ -r /proc/$pid/cmdline ]] || return 1
  grep -qF -- "$STATE/" < <(tr '\0' '\n' <"/proc/$pid/cmdline") || return 1
  # a zombie is as good as dead
  [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]] || return 1
  printf '%s\n' "$pid"
}

pg_running() {
  local bin
  bin=$(pg_bin) || return 1
  [[ -f $PG_DATA/PG_VERSION ]] || return 1
  as_pg "$bin/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

# Start a daemon in its own session (so `down` can stop the whole group),
# detached from our stdio and from the lock fd 9; its pid goes to run/<name>.pid.
spawn() {
  local name=$1 logf=$2; shift 2
  rm -f "$RUN/$name.pid"
  # (the outer subshell exits at once, so the daemon is nobody's child)
  ( cd "$STATE" || exit
    setsid bash -c 'echo $$ >"$0"; exec "$@"' "$RUN/$name.pid" "$@" \
      </dev/null >>"$logf" 2>&1 9>&- & )
  local i
  for ((i = 0; i < 50; i++)); do [[ -s $RUN/$name.pid ]] && return 0; sleep 0.1; done
  fail "$name did not start" "$logf"
}

# JSON string body of a password-scoped token request.
token_body() { # user password project
  "$PY" -c 'import json,sys; u,p,pr=sys.argv[1:]; print(json.dumps({"auth":{"identity":{"methods":["password"],"password":{"user":{"name":u,"domain":{"id":"default"},"password":p}}},"scope":{"project":{"name":pr,"domain":{"id":"default"}}}}}))' "$@"
}

# Prints a token when Keystone issues one for admin. (uwsgi accepts
# connections while Keystone still loads, so a request can hang: cap it.)
MAX_TIME=10
admin_token() {
  local hdrs
  hdrs=$(curl -sS -m "$MAX_TIME" -o /dev/null -D - -H 'Content-Type: application/json' \
           --data-binary @"$RUN/admin-token.json" "$KS_URL/auth/tokens" 2>/dev/null) || return 1
  awk 'tolower($1) == "x-subject-token:" { sub(/\r$/, "", $2); print $2; f=1 } END { exit !f }' <<<"$hdrs"
}

glance_ok() { # token
  [[ $(curl -sS -m "$MAX_TIME" -o /dev/null -w '%{http_code}' -H "X-Auth-Token: $1" \
         "$GL_URL/v2/images?limit=1" 2>/dev/null) == 200 ]]
}

# The full health check: token from Keystone, image list from Glance.
cloud_healthy() {
  local tok
  pg_running && our_pid keystone >/dev/null && our_pid glance >/dev/null || return 1
  [[ -f $RUN/admin-token.json ]] || return 1
  tok=$(admin_token) || return 1
  glance_ok "$tok"
}

random_hex() { od -An -tx1 -N16 /dev/urandom | tr -d ' \n'; }

# Single-quote a value for a POSIX shell file.
shq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

# -------------------------------------------------------------- packages ---

pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# Is a process of this exact name running? (/proc, as procps may be missing)
running_named() {
  local c n
  for c in /proc/[0-9]*/comm; do
    read -r n 2>/dev/null <"$c" || continue
    [[ $n == "$1" ]] && return 0
  done
  return 1
}

wait_for_apt() {
  local said=
  while running_named apt-get || running_named dpkg || running_named apt; do
    [[ -n $said ]] || { log "waiting for another apt-get/dpkg to finish"; said=1; }
    sleep 5
  done
}

ensure_packages() { # [pkg…] (default: PACKAGES)
  local missing=() p want=("$@")
  [[ $# -gt 0 ]] || want=("${PACKAGES[@]}")
  for p in "${want[@]}"; do pkg_installed "$p" || missing+=("$p"); done
  [[ ${#missing[@]} -gt 0 ]] || return 0
  wait_for_apt
  missing=()
  for p in "${want[@]}"; do pkg_installed "$p" || missing+=("$p"); done
  [[ ${#missing[@]} -gt 0 ]] || return 0
  [[ $EUID -eq 0 ]] || die "missing packages (${missing[*]}); run as root to install them"
  log "installing ${missing[*]} (apt-get, log: $LOGS/apt.log)"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update && apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}"; } \
    >>"$LOGS/apt.log" 2>&1 || fail "apt-get install failed" "$LOGS/apt.log"
}

# Does a repository offer PKG (a candidate that is more than the installed
# copy in /var/lib/dpkg/status)? A renamed or dropped package fails here even
# on a machine that still has it installed.
apt_offers() { # pkg
  apt-cache policy "$1" 2>/dev/null | awk '
    /^  Candidate:/ { cand = $2 }
    /^ (\*\*\* |    )[^ ]/ { ver = ($1 == "***") ? $2 : $1 }
    /^        [0-9]+ / && ver == cand && cand != "(none)" && $2 != "/var/lib/dpkg/status" { ok = 1 }
    END { exit !ok }'
}

cmd_check_packages() {
  local p bad=()
  [[ $EUID -eq 0 ]] || die "check-packages runs apt-get update: run it as root"
  mkdir -p "$LOGS"
  wait_for_apt
  log "apt-get update (log: $LOGS/apt.log)"
  apt-get update -o DPkg::Lock::Timeout=600 >>"$LOGS/apt.log" 2>&1 || fail "apt-get update failed" "$LOGS/apt.log"
  # glance-common: `up` downloads it for glance-api-paste.ini
  for p in "${PACKAGES[@]}" "${TEST_TOOLS[@]}" glance-common; do apt_offers "$p" || bad+=("$p"); done
  [[ ${#bad[@]} -eq 0 ]] || die "no installable candidate for: ${bad[*]} (renamed or removed from Debian? see 'apt-cache policy ${bad[0]}')"
  log "all $((${#PACKAGES[@]} + ${#TEST_TOOLS[@]} + 1)) packages have installable candidates"
}

# The tools the unit and process tests run (they run before the cloud is up):
# qemu-img writes images of every format for the disk-format checks, and
# zsh and fish load img's completion scripts.
cmd_tools() {
  mkdir -p "$LOGS"
  ensure_packages "${TEST_TOOLS[@]}"
}

# python3-glance ships no paste config; it is in glance-common, whose postinst
# wants debconf and systemd — so unpack the .deb instead of installing it, once.
ensure_glance_paste() {
  local paste=$GL_DIR/glance-api-paste.ini ver tmp
  [[ -s $paste ]] && return 0
  ver=$(dpkg-query -W -f='${Version}' python3-glance)
  tmp=$STATE/tmp/glance-common
  mkdir -p "$GL_DIR"
  rm -rf "$tmp"; mkdir -p "$tmp"
  log "fetching glance-api-paste.ini from glance-common $ver"
  if ! (cd "$tmp" && apt-get download "glance-common=$ver") >>"$LOGS/apt.log" 2>&1; then
    wait_for_apt
    # after an update the installed version may be gone from the archive:
    # the newest glance-common's paste file is the same in every release
    (cd "$tmp" && apt-get update && { apt-get download "glance-common=$ver" || apt-get download glance-common; }) \
      >>"$LOGS/apt.log" 2>&1 || fail "could not download glance-common" "$LOGS/apt.log"
  fi
  dpkg -x "$tmp"/glance-common_*.deb "$tmp/x"
  cp "$tmp/x/usr/share/glance-common/glance-api-paste.ini" "$paste.tmp"
  mv "$paste.tmp" "$paste"
  rm -rf "$tmp"
}

# ------------------------------------------------------------- postgresql ---

ensure_postgres() {
  local bin parts
  bin=$(pg_bin) || die "no PostgreSQL under /usr/lib/postgresql/*/bin"
  mkdir -p "$PG_DIR"
  touch "$LOGS/postgres.log"
  if [[ $EUID -eq 0 ]]; then
    chown postgres:postgres "$PG_DIR" "$LOGS/postgres.log"
    # postgres must be able to reach $PG_DIR: open the search (x) bit of any
    # parent that lacks it, e.g. /root when the repo lives there.
    if ! as_pg test -w "$PG_DIR"; then
      local d= part
      IFS=/ read -ra parts <<<"${PG_DIR#/}"
      for part in "${parts[@]}"; do   # from / downwards
        d=$d/$part
        as_pg test -x "$d" || { log "chmod o+x $d (so postgres can reach $PG_DIR)"; chmod o+x "$d"; }
      done
      as_pg test -w "$PG_DIR" || die "user postgres cannot write $PG_DIR"
    fi
  fi

  if [[ ! -f $PG_DATA/PG_VERSION ]]; then
    log "initdb $PG_DATA"
    rm -rf "$PG_DATA"
    # a fresh cluster means fresh databases: forget what was set up in the old one
    rm -f "$STATE"/.done-*
    local pwfile=$PG_DIR/pwfile
    (umask 077; printf '%s\n' "$PG_SUPER_PW" >"$pwfile")
    [[ $EUID -ne 0 ]] || chown postgres "$pwfile"
    as_pg "$bin/initdb" -D "$PG_DATA" -U postgres --no-locale -E UTF8 \
        --auth-local=peer --auth-host=scram-sha-256 --pwfile="$pwfile" \
        >>"$LOGS/postgres.log" 2>&1 || { rm -f "$pwfile"; fail "initdb failed" "$LOGS/postgres.log"; }
    rm -f "$pwfile"
    # TCP on loopback only and no unix socket, so nothing clashes with a system
    # cluster or another cloud; the port is given at start. synchronous_commit=off
    # speeds up the schema migrations and cannot corrupt data.
    as_pg tee -a "$PG_DATA/postgresql.conf" >/dev/null <<EOF

# --- local-cloud.sh ---
listen_addresses = '$HOST'
unix_socket_directories = ''
synchronous_commit = off
max_connections = 200
EOF
  fi

  if ! pg_running; then
    port_open "$PG_PORT" && die "port $PG_PORT is taken by something else (set IMG_CLOUD_PG_PORT)"
    log "starting postgres on $HOST:$PG_PORT"
    as_pg "$bin/pg_ctl" -D "$PG_DATA" -l "$LOGS/postgres.log" -o "-p $PG_PORT" -w -t 60 start \
      >/dev/null 9>&- || fail "postgres did not start" "$LOGS/postgres.log"
  fi
}

psql_super() {
  PGPASSWORD=$PG_SUPER_PW "$(pg_bin)/psql" -h "$HOST" -p "$PG_PORT" -U postgres -d postgres \
    -v ON_ERROR_STOP=1 -qtA "$@"
}

ensure_database() { # name password
  local n=$1 pw=$2
  if [[ -z $(psql_super -c "SELECT 1 FROM pg_roles WHERE rolname = '$n'") ]]; then
    psql_super -c "CREATE ROLE $n LOGIN PASSWORD '$pw'"
  else
    psql_super -c "ALTER ROLE $n LOGIN PASSWORD '$pw'"
  fi
  [[ -n $(psql_super -c "SELECT 1 FROM pg_database WHERE datname = '$n'") ]] ||
    psql_super -c "CREATE DATABASE $n OWNER $n"
}

# --------------------------------------------------------------- configs ---

write_configs() {
  # oslo.config expands $name in values; $$ is a literal $
  local glance_pw_ini=${GLANCE_PW//'$'/'$$'}
  mkdir -p "$KS_DIR/conf.d" "$KS_DIR/policy.d" "$KS_DIR/locks" \
    "$GL_DIR/conf.d" "$GL_DIR/policy.d" "$GL_DIR/locks" "$GL_DIR/work" "$GL_DIR/cache" \
    "$GL_DIR/images" "$GL_DIR/staging" "$GL_DIR/tasks"
  (
    umask 077
    # Keystone on SQLite fails writes with "database is locked": use PostgreSQL.
    # Every option whose default is a path under /etc, /var, /run, /tmp or
    # $HOME is set inside the state directory, so that the cloud depends on
    # nothing a fresh machine lacks and reads nothing another install left.
    cat >"$KS_DIR/keystone.conf" <<EOF
[DEFAULT]
use_stderr = true

[identity]
# bcrypt's fewest rounds: every token request checks a password, and this is
# a throwaway test cloud, not a place for real secrets
password_hash_rounds = 4
# default /etc/keystone/domains; read only with domain_specific_drivers_enabled
domain_config_dir = $KS_DIR/domains

[database]
connection = postgresql+psycopg2://keystone:$KS_DB_PW@$HOST:$PG_PORT/keystone

[token]
provider = fernet

[fernet_tokens]
# default /etc/keystone/fernet-keys/
key_repository = $KS_DIR/fernet-keys

[fernet_receipts]
# default /etc/keystone/fernet-keys/ (the tokens' default too, so share the
# tokens' keys); keystone-manage bootstrap refuses to run when it is missing
key_repository = $KS_DIR/fernet-keys

[credential]
# default /etc/keystone/credential-keys/
key_repository = $KS_DIR/credential-keys

[jwt_tokens]
# defaults under /etc/keystone/jws-keys/; read only with [token] provider = jws
jws_public_key_repository = $KS_DIR/jws-keys/public
jws_private_key_repository = $KS_DIR/jws-keys/private

[saml]
# defaults under /etc/keystone/; read only when Keystone is a SAML IdP
certfile = $KS_DIR/saml/signing_cert.pem
keyfile = $KS_DIR/saml/signing_key.pem
idp_metadata_path = $KS_DIR/saml/idp_metadata.xml

[federation]
# default /etc/keystone/sso_callback_template.html; read only for WebSSO
sso_callback_template = $KS_DIR/sso_callback_template.html

[oslo_policy]
# a relative policy file or dir is searched in ~/.keystone, ~, /etc/keystone
# and /etc: an absolute file with no overrides and an empty dir instead
policy_file = $KS_DIR/policy.yaml
policy_dirs = $KS_DIR/policy.d

[oslo_concurrency]
# no default (a lock without it fails); used by external locks
lock_path = $KS_DIR/locks
EOF
    # The services' built-in policy defaults, with nothing overridden.
    printf '{}\n' >"$KS_DIR/policy.yaml"

    # OS_KEYSTONE_CONFIG_FILES points the WSGI app at our config; the config
    # path on the command line also lets `down` recognise the process as ours.
    # The master loads Keystone once and forks the workers (no lazy-apps): on
    # a 2-CPU machine loading it twice costs seconds.
    cat >"$KS_DIR/uwsgi.ini" <<EOF
[uwsgi]
plugin = python3
http-socket = $HOST:$KS_PORT
wsgi-file = /usr/bin/keystone-wsgi-public
processes = 2
threads = 1
master = true
die-on-term = true
need-app = true
buffer-size = 65535
; oslo.config reads *.conf in ~/.keystone/keystone.conf.d, /etc/keystone/keystone.conf.d
; and the like unless told which config dir to use: an empty one of ours
pyargv = --config-dir $KS_DIR/conf.d
; http-socket closes the connection after each response without saying so,
; and clients that reuse it get "connection reset": say so.
add-header = Connection: close
env = OS_KEYSTONE_CONFIG_FILES=$KS_DIR/keystone.conf
EOF

    # image_size_cap keeps its default (1 TiB), ample for multi-GB images.
    cat >"$GL_DIR/glance-api.conf" <<EOF
[DEFAULT]
bind_host = $HOST
bind_port = $GL_PORT
workers = 1
enabled_backends = fs:file
use_stderr = true
# default file:///tmp/staging/; used instead of [os_glance_staging_store]
# when enabled_backends is unset, and swept of leftovers at start
node_staging_uri = file://$GL_DIR/staging/
# no default; the image cache (cachemanagement flavors, /v2/cache) lives here
image_cache_dir = $GL_DIR/cache/
# default /etc/glance/metadefs/; read only by glance-manage db_load_metadefs
metadata_source_path = $GL_DIR/metadefs/

[glance_store]
default_backend = fs

[fs]
filesystem_store_datadir = $GL_DIR/images/

# the reserved stores default to /var/lib/glance/{staging,tasks}
[os_glance_staging_store]
filesystem_store_datadir = $GL_DIR/staging/

[os_glance_tasks_store]
filesystem_store_datadir = $GL_DIR/tasks/

[database]
connection = postgresql+psycopg2://glance:$GL_DB_PW@$HOST:$PG_PORT/glance

[keystone_authtoken]
www_authenticate_uri = $KS_URL
auth_url = $KS_URL
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = glance
password = $glance_pw_ini
service_token_roles_required = true

[paste_deploy]
flavor = keystone
config_file = $GL_DIR/glance-api-paste.ini

[oslo_policy]
enforce_new_defaults = false
enforce_scope = false
# a relative policy file or dir is searched in ~/.glance, ~, /etc/glance
# and /etc: an absolute file with no overrides and an empty dir instead
policy_file = $GL_DIR/policy.yaml
policy_dirs = $GL_DIR/policy.d

[oslo_concurrency]
# no default (a lock without it fails)
lock_path = $GL_DIR/locks

[task]
# no default; the import flows convert and unpack data here
work_dir = $GL_DIR/work
EOF
    printf '{}\n' >"$GL_DIR/policy.yaml"

    token_body admin "$ADMIN_PW" admin >"$RUN/admin-token.json"
  )
}

# ------------------------------------------ interoperable import (#13) ---
# Multi-store, import methods, web-download filtering, the image conversion
# plugin and the cache API, as a file of its own in glance's --config-dir
# (read after glance-api.conf, so these values win over it):
#   - two filesystem stores, `fast` (the default) and `slow`, each with its
#     datadir in the state dir (the reserved os_glance_staging_store and
#     os_glance_tasks_store stay as write_configs sets them);
#   - import methods glance-direct, web-download, copy-image;
#   - web-download from 127.0.0.1 (Glance refuses loopback unless listed in
#     allowed_hosts) on port IMG_CLOUD_IMPORT_PORT [18300], where the
#     integration tests start their HTTP server (list options take brackets);
#   - image_conversion: every import is converted to raw with qemu-img;
#   - the cachemanagement flavor: the image cache and its /v2/cache API
#     (image_cache_dir is set by write_configs).
IMPORT_PORT=${IMG_CLOUD_IMPORT_PORT:-18300}
write_import_configs() {
  mkdir -p "$GL_DIR/store-fast" "$GL_DIR/store-slow"
  (
    umask 077
    cat >"$GL_DIR/conf.d/50-import.conf" <<EOF
[DEFAULT]
enabled_backends = fast:file, slow:file
enabled_import_methods = [glance-direct, web-download, copy-image]

[glance_store]
default_backend = fast

[fast]
filesystem_store_datadir = $GL_DIR/store-fast/
store_description = Fast store (local cloud)

[slow]
filesystem_store_datadir = $GL_DIR/store-slow/
store_description = Slow store (local cloud)

[import_filtering_opts]
allowed_hosts = [127.0.0.1]
allowed_ports = [80, 443, $IMPORT_PORT]

[image_import_opts]
image_import_plugins = ['image_conversion']

[image_conversion]
output_format = raw

[paste_deploy]
flavor = keystone+cachemanagement
EOF
  )
}

write_openrc() { # file user password project
  local f=$STATE/$1
  (
    umask 077
    cat >"$f.tmp" <<EOF
# $2 on the local cloud in $STATE (written by scripts/local-cloud.sh)
export OS_AUTH_URL=$KS_URL
export OS_USERNAME=$(shq "$2")
export OS_PASSWORD=$(shq "$3")
export OS_PROJECT_NAME=$(shq "$4")
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_IDENTITY_API_VERSION=3
export OS_IMAGE_API_VERSION=2
export OS_REGION_NAME=$REGION
export OS_INTERFACE=public
EOF
  )
  chmod 600 "$f.tmp"
  mv "$f.tmp" "$f"
}

# ---------------------------------------------------- keystone and glance ---

keystone_manage() { # what-for args...
  local what=$1; shift
  "$KS_MANAGE" --config-file "$KS_DIR/keystone.conf" --config-dir "$KS_DIR/conf.d" "$@" >>"$LOGS/keystone-manage.log" 2>&1 \
    || fail "keystone-manage $what failed" "$LOGS/keystone-manage.log"
}

# A Fernet key repository as `keystone-manage fernet_setup` (or
# credential_setup) leaves it: keys 0 (staged) and 1 (primary), each the
# url-safe base64 of 32 random bytes, mode 0600. Written here because each
# keystone-manage run costs ~4 s of CPU just to import Keystone.
make_key_repo() {
  local dir=$1 k
  [[ -d $dir ]] && return 0
  rm -rf "$dir.tmp"
  mkdir -m 700 "$dir.tmp"
  for k in 0 1; do
    (umask 177; head -c 32 /dev/urandom | base64 -w0 | tr '+/' '-_' >"$dir.tmp/$k")
  done
  mv "$dir.tmp" "$dir"
}

# Keystone's chain of setup steps, ordered by what each needs. Keystone takes
# 5-10 s to load: it is started as soon as its keys exist (it refuses to start
# without them) and loads while the schema is migrated (it needs no tables to load).
keystone_chain() { # provision|no
  make_key_repo "$KS_DIR/fernet-keys"
  make_key_repo "$KS_DIR/credential-keys"
  start_keystone
  if [[ ! -f $STATE/.done-keystone-db ]]; then
    log "keystone db_sync"
    keystone_manage db_sync db_sync
    touch "$STATE/.done-keystone-db"
  fi
  [[ $1 != provision ]] || bootstrap_keystone
}

# Glance likewise loads while its schema is migrated.
glance_chain() {
  start_glance
  if [[ ! -f $STATE/.done-glance-db ]]; then
    log "glance db_sync"
    "$PY" -m glance.cmd.manage --config-file "$GL_DIR/glance-api.conf" --config-dir "$GL_DIR/conf.d" db_sync >>"$LOGS/glance-manage.log" 2>&1 \
      || fail "glance db_sync failed" "$LOGS/glance-manage.log"
    touch "$STATE/.done-glance-db"
  fi
}

# ------------------------------------------- a second Glance as RegionTwo ---
# For copies between regions (`img copy --to-region RegionTwo`): a second
# glance-api registered in the same Keystone as region RegionTwo, with its own
# config (glance-api.conf with its port, paths and database swapped), its own
# filesystem store under $STATE/glance2 and its own database `glance2` in the
# same PostgreSQL, so its images are really separate from RegionOne's.
# IMG_CLOUD_GLANCE2_PORT (default: Glance's port + 1) moves it; 0 turns it off.
GL2_PORT=${IMG_CLOUD_GLANCE2_PORT:-$((GL_PORT + 1))}
[[ $GL2_PORT =~ ^[0-9]+$ ]] || die "not a number: '$GL2_PORT' (IMG_CLOUD_GLANCE2_PORT)"
GL2_DIR=$STATE/glance2
GL2_URL=http://$HOST:$GL2_PORT
REGION2=RegionTwo
region2_on() { ((GL2_PORT != 0)); }

write_glance2_config() {
  region2_on || return 0
  mkdir -p "$GL2_DIR/conf.d" "$GL2_DIR/policy.d" "$GL2_DIR/locks" "$GL2_DIR/work" "$GL2_DIR/cache" \
    "$GL2_DIR/images" "$GL2_DIR/staging" "$GL2_DIR/tasks"
  cp "$GL_DIR/glance-api-paste.ini" "$GL_DIR/policy.yaml" "$GL2_DIR/"
  (umask 077
   sed -e "s|^bind_port = .*|bind_port = $GL2_PORT|" -e "s|$GL_DIR/|$GL2_DIR/|g" \
       -e 's|^\(connection = postgresql+psycopg2://\)glance:\(.*\)/glance$|\1glance2:\2/glance2|' \
       "$GL_DIR/glance-api.conf" >"$GL2_DIR/glance-api.conf")
}

glance2_chain() {
  region2_on || return 0
  if ! our_pid glance2 >/dev/null; then
    stop_daemon glance2
    port_open "$GL2_PORT" && die "port $GL2_PORT is taken by something else (set IMG_CLOUD_GLANCE2_PORT)"
    log "starting the RegionTwo glance on $GL2_URL"
    spawn glance2 "$LOGS/glance2.log" "$PY" -m glance.cmd.api --config-file "$GL2_DIR/glance-api.conf" --config-dir "$GL2_DIR/conf.d"
  fi
  if [[ ! -f $STATE/.done-glance2-db ]]; then
    "$PY" -m glance.cmd.manage --config-file "$GL2_DIR/glance-api.conf" --config-dir "$GL2_DIR/conf.d" db_sync >>"$LOGS/glance2-manage.log" 2>&1 \
      || fail "glance2 db_sync failed" "$LOGS/glance2-manage.log"
    touch "$STATE/.done-glance2-db"
  fi
}

region2_healthy() { ! region2_on || { our_pid glance2 >/dev/null && [[ $(cat "$STATE/.done-region2" 2>/dev/null) == "$GL2_PORT" ]]; }; }

# After Keystone is up: region RegionTwo and its image endpoints (idempotent), then wait for the API.
provision_region2() {
  region2_on || return 0
  local deadline=$((SECONDS + TIMEOUT)) tok
  if [[ $(cat "$STATE/.done-region2" 2>/dev/null) != "$GL2_PORT" ]]; then
    KS_URL=$KS_URL GL2_URL=$GL2_URL REGION2=$REGION2 ADMIN_PW=$ADMIN_PW \
    "$PY" - >>"$LOGS/provision.log" 2>&1 <<'PYEOF' || fail "provisioning RegionTwo failed" "$LOGS/provision.log"
import os
from keystoneauth1 import session, exceptions
from keystoneauth1.identity import v3
from keystoneclient.v3 import client
E = os.environ
ks = client.Client(session=session.Session(auth=v3.Password(
    auth_url=E["KS_URL"], username="admin", password=E["ADMIN_PW"], project_name="admin",
    user_domain_id="default", project_domain_id="default")), interface="public")
try:
    ks.regions.get(E["REGION2"])
except exceptions.NotFound:
    ks.regions.create(id=E["REGION2"])
svc = next(s for s in ks.services.list(type="image"))
for iface in ("public", "internal", "admin"):
    eps = ks.endpoints.list(service=svc, interface=iface, region=E["REGION2"])
    if not eps:
        ks.endpoints.create(svc, E["GL2_URL"], interface=iface, region=E["REGION2"])
    elif eps[0].url != E["GL2_URL"]:
        ks.endpoints.update(eps[0], url=E["GL2_URL"])
print("provisioned", E["REGION2"])
PYEOF
  fi
  tok=$(admin_token) || fail "no token for the RegionTwo check" "$LOGS/keystone.log"
  MAX_TIME=2
  while ! GL_URL=$GL2_URL glance_ok "$tok"; do
    our_pid glance2 >/dev/null || fail "glance2 exited" "$LOGS/glance2.log"
    ((SECONDS < deadline)) || fail "the RegionTwo glance did not list images within ${TIMEOUT}s" "$LOGS/glance2.log"
    sleep 0.5
  done
  echo "$GL2_PORT" >"$STATE/.done-region2"
}

# Wait for every background job; fail if any failed (each printed its error).
wait_all() {
  local rc=0 p
  for p in $(jobs -p); do wait "$p" || rc=1; done
  return $rc
}

# What bootstrap and provisioning depend on; when it changes (new password or
# port) they run again, otherwise a restart skips them.
provision_stamp() {
  printf '%s\n' "$KS_PORT" "$GL_PORT" "$PG_PORT" "$ADMIN_PW" "$DEMO_PW" "$GLANCE_PW" "$IDENTITY_EXTRAS_VERSION" "$MFA_PW" | sha256sum | cut -d' ' -f1
}

# Creates admin, the admin/member/reader roles, RegionOne and the identity
# endpoints; also resets the admin password and endpoint URLs when changed.
bootstrap_keystone() {
  log "keystone bootstrap"
  keystone_manage bootstrap bootstrap --bootstrap-password "$ADMIN_PW" \
      --bootstrap-admin-url "$KS_URL/" --bootstrap-internal-url "$KS_URL/" \
      --bootstrap-public-url "$KS_URL/" --bootstrap-region-id "$REGION"
}

# Through the running Keystone as admin, idempotently: the `service` project
# and `glance` user (admin there, for keystonemiddleware), the image service
# and its endpoints, and a non-admin `demo` user with `member` in `demo`.
provision_keystone() {
  log "creating service/glance, demo user, image endpoints"
  KS_URL=$KS_URL GL_URL=$GL_URL REGION=$REGION ADMIN_PW=$ADMIN_PW DEMO_PW=$DEMO_PW GLANCE_PW=$GLANCE_PW \
  "$PY" - >>"$LOGS/provision.log" 2>&1 <<'PYEOF' || fail "provisioning Keystone failed" "$LOGS/provision.log" "$LOGS/keystone.log"
import os
from keystoneauth1 import session, exceptions
from keystoneauth1.identity import v3
from keystoneclient.v3 import client

E = os.environ
url = E["KS_URL"]

def sess(user, pw, project):
    return session.Session(auth=v3.Password(
        auth_url=url, username=user, password=pw, project_name=project,
        user_domain_id="default", project_domain_id="default"))

ks = client.Client(session=sess("admin", E["ADMIN_PW"], "admin"), interface="public")

def named(manager, name, **kw):
    return next((x for x in manager.list(**kw) if x.name == name), None)

def project(name, desc):
    return named(ks.projects, name, domain="default") or \
        ks.projects.create(name, "default", description=desc)

def role(name):
    return named(ks.roles, name) or ks.roles.create(name)

def user(name, pw, proj, role_name):
    u = named(ks.users, name, domain="default")
    if u is None:
        u = ks.users.create(name, domain="default", password=pw, default_project=proj)
        print("created user", name)
    else:
        try:  # only reset a password that changed: a reset revokes tokens
            sess(name, pw, proj.name).get_token()
        except exceptions.Unauthorized:
            ks.users.update(u, password=pw)
            print("reset password of", name)
    ks.roles.grant(role(role_name), user=u, project=proj)

user("glance", E["GLANCE_PW"], project("service", "Service accounts"), "admin")
user("demo", E["DEMO_PW"], project("demo", "Demo project"), "member")

svc = next((s for s in ks.services.list(type="image")), None) or \
    ks.services.create("glance", type="image", description="OpenStack Image")
for iface in ("public", "internal", "admin"):
    eps = ks.endpoints.list(service=svc, interface=iface, region=E["REGION"])
    if not eps:
        ks.endpoints.create(svc, E["GL_URL"], interface=iface, region=E["REGION"])
    elif eps[0].url != E["GL_URL"]:
        ks.endpoints.update(eps[0], url=E["GL_URL"])
print("provisioned")
PYEOF
}

# ------------------------------------------- identity beyond passwords ---
# For img's v3totp, v3multifactor, system-scope and trust tests
# (test/integration/identity.test.ts). Keystone's `totp` auth method is
# enabled in a conf.d file of its own; two users get a TOTP credential whose
# base32 secret is written to the state dir (0600) so that tests can compute
# the current passcode (RFC 6238: HMAC-SHA1, 30 s, 6 digits):
#   totp-user  signs in with the totp method alone       → $STATE/totp-user.totp
#   mfa-user   must use password AND totp (MFA rule)      → $STATE/mfa-user.totp
# Both have `member` in `demo`; their password is $MFA_PW. Trusts and system
# scope need nothing more: keystone-manage bootstrap gives admin the admin
# role on the system, and the trust API is always on.
IDENTITY_EXTRAS_VERSION=1
MFA_PW=${IMG_CLOUD_MFA_PASSWORD:-mfa-secret-pw}

write_identity_methods_conf() {
  (umask 077; printf '[auth]\nmethods = password,token,application_credential,totp\n' \
     >"$KS_DIR/conf.d/50-img-auth-methods.conf")
}

provision_identity_extras() {
  log "creating totp-user and mfa-user (TOTP credentials)"
  KS_URL=$KS_URL ADMIN_PW=$ADMIN_PW MFA_PW=$MFA_PW STATE=$STATE \
  "$PY" - >>"$LOGS/provision.log" 2>&1 <<'PYEOF' || fail "provisioning TOTP users failed" "$LOGS/provision.log" "$LOGS/keystone.log"
import base64, os
from keystoneauth1 import session
from keystoneauth1.identity import v3
from keystoneclient.v3 import client

E = os.environ
ks = client.Client(session=session.Session(auth=v3.Password(
    auth_url=E["KS_URL"], username="admin", password=E["ADMIN_PW"], project_name="admin",
    user_domain_id="default", project_domain_id="default")), interface="public")
demo = next(p for p in ks.projects.list(domain="default") if p.name == "demo")
member = next(r for r in ks.roles.list() if r.name == "member")

for name, rules in (("totp-user", None), ("mfa-user", [["password", "totp"]])):
    u = next((x for x in ks.users.list(domain="default") if x.name == name), None)
    if u is None:
        u = ks.users.create(name, domain="default", password=E["MFA_PW"], default_project=demo)
    else:
        ks.users.update(u, password=E["MFA_PW"])
    ks.roles.grant(member, user=u, project=demo)
    for c in ks.credentials.list(user_id=u.id, type="totp"):
        ks.credentials.delete(c)
    secret = base64.b32encode(os.urandom(20)).decode()
    ks.credentials.create(user=u, type="totp", blob=secret)
    if rules:
        ks.users.update(u, options={"multi_factor_auth_rules": rules, "multi_factor_auth_enabled": True})
    path = os.path.join(E["STATE"], name + ".totp")
    fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, (secret + "\n").encode())
    os.close(fd)
    os.replace(path + ".tmp", path)
    print("totp credential for", name)
PYEOF
}

start_keystone() {
  our_pid keystone >/dev/null && return 0
  stop_daemon keystone   # leftovers of one that died, which may hold the port
  port_open "$KS_PORT" && die "port $KS_PORT is taken by something else (set IMG_CLOUD_KEYSTONE_PORT)"
  log "starting keystone on $KS_URL"
  spawn keystone "$LOGS/keystone.log" "$UWSGI" --ini "$KS_DIR/uwsgi.ini"
}

start_glance() {
  our_pid glance >/dev/null && return 0
  stop_daemon glance   # leftovers of one that died, which may hold the port
  port_open "$GL_PORT" && die "port $GL_PORT is taken by something else (set IMG_CLOUD_GLANCE_PORT)"
  log "starting glance on $GL_URL"
  spawn glance "$LOGS/glance.log" "$PY" -m glance.cmd.api --config-file "$GL_DIR/glance-api.conf" --config-dir "$GL_DIR/conf.d"
}

wait_for_apis() {
  local deadline=$((SECONDS + TIMEOUT)) tok=
  MAX_TIME=2
  while ! tok=$(admin_token); do
    our_pid keystone >/dev/null || fail "keystone exited" "$LOGS/keystone.log"
    ((SECONDS < deadline)) || fail "keystone issued no token within ${TIMEOUT}s" "$LOGS/keystone.log"
    sleep 0.5
  done
  MAX_TIME=10
  [[ $1 == provision ]] && provision_keystone && provision_identity_extras
  MAX_TIME=2
  while ! glance_ok "$tok"; do
    our_pid glance >/dev/null || fail "glance exited" "$LOGS/glance.log"
    ((SECONDS < deadline)) || fail "glance did not list images within ${TIMEOUT}s" "$LOGS/glance.log"
    sleep 0.5
    # a token may be refused after a provisioning run reset a password: renew
    tok=$(admin_token) || true
  done
}

# ------------------------------------------------------------- commands ---

lock() { exec 9>"$STATE/.lock"; flock 9; }

load_secrets() {
  # Database passwords are this cloud's own, made once and kept in the state dir.
  if [[ ! -f $STATE/secrets ]]; then
    (umask 077
     printf 'PG_SUPER_PW=%s\nKS_DB_PW=%s\nGL_DB_PW=%s\n' "$(random_hex)" "$(random_hex)" "$(random_hex)" \
       >"$STATE/secrets.tmp")
    mv "$STATE/secrets.tmp" "$STATE/secrets"
  fi
  # shellcheck disable=SC1091
  . "$STATE/secrets"
}

cmd_up() {
  local t0=$SECONDS need_provision=
  mkdir -p "$LOGS" "$RUN" "$STATE/tmp"
  lock
  local stamp
  stamp=$(provision_stamp)
  if [[ $(cat "$STATE/.done-provision" 2>/dev/null) == "$stamp" ]] && cloud_healthy && region2_healthy; then
    log "already up ($KS_URL, $GL_URL)"; return 0
  fi
  # Ports or passwords changed since the last up: services read them at start.
  if [[ -f $STATE/.done-provision && $(<"$STATE/.done-provision") != "$stamp" ]] &&
     { pg_running || our_pid keystone >/dev/null || our_pid glance >/dev/null; }; then
    log "settings changed since the last up: restarting"
    stop_all
  fi

  # Fail fast on a port that another program holds (after sweeping
  # leftovers of our own that died).
  our_pid keystone >/dev/null || stop_daemon keystone
  our_pid glance >/dev/null || stop_daemon glance
  { pg_running || ! port_open "$PG_PORT"; } || die "port $PG_PORT is taken by something else (set IMG_CLOUD_PG_PORT)"
  { our_pid keystone >/dev/null || ! port_open "$KS_PORT"; } || die "port $KS_PORT is taken by something else (set IMG_CLOUD_KEYSTONE_PORT)"
  { our_pid glance >/dev/null || ! port_open "$GL_PORT"; } || die "port $GL_PORT is taken by something else (set IMG_CLOUD_GLANCE_PORT)"

  # On failure, leave what runs for inspection, and say how to stop it.
  trap 'log "not up; logs are in $LOGS; \"bash $0 down\" stops what did start"' EXIT
  ensure_packages
  ensure_glance_paste
  load_secrets
  write_configs
  write_identity_methods_conf
  write_glance2_config
  write_import_configs
  write_openrc admin-openrc admin "$ADMIN_PW" admin
  write_openrc demo-openrc demo "$DEMO_PW" demo
  ensure_postgres
  ensure_database keystone "$KS_DB_PW"
  ensure_database glance "$GL_DB_PW"
  ! region2_on || ensure_database glance2 "$GL_DB_PW"   # RegionTwo (see above)
  if [[ $(cat "$STATE/.done-provision" 2>/dev/null) != "$stamp" ]]; then
    need_provision=provision
    rm -f "$STATE/.done-provision"
  fi
  # The two services' setup steps are independent: run them side by side.
  keystone_chain "${need_provision:-no}" &
  glance_chain &
  glance2_chain &
  wait_all || exit 1
  log "waiting for keystone and glance"
  wait_for_apis "${need_provision:-no}"
  provision_region2
  [[ -z $need_provision ]] || echo "$stamp" >"$STATE/.done-provision"
  trap - EXIT
  log "up in $((SECONDS - t0))s: keystone $KS_URL, glance $GL_URL"
  log "credentials: . $STATE/admin-openrc  (or demo-openrc)"
}

# TERM the session a pid file names, then KILL what is left of it.
stop_daemon() {
  local name=$1 pid i
  [[ -f $RUN/$name.pid ]] || return 0
  pid=$(<"$RUN/$name.pid")
  [[ $pid =~ ^[0-9]+$ ]] || { rm -f "$RUN/$name.pid"; return 0; }
  if our_pid "$name" >/dev/null; then
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do
      our_pid "$name" >/dev/null || break
      sleep 0.1
    done
  fi
  # spawn() made pid a process group leader: kill what is left of its group
  # (workers of a parent that died hard), if they still run from this state dir
  local st p rest
  for st in /proc/[0-9]*/stat; do
    read -r rest 2>/dev/null <"$st" || continue
    rest=${rest##*) }                       # after "pid (comm) ": state ppid pgrp ...
    read -r _ _ p _ <<<"$rest"
    [[ $p == "$pid" ]] || continue
    p=${st#/proc/}; p=${p%/stat}
    grep -qF -- "$STATE/" < <(tr '\0' '\n' <"/proc/$p/cmdline" 2>/dev/null) && kill -KILL "$p" 2>/dev/null || true
  done
  rm -f "$RUN/$name.pid"
}

cmd_down() {
  [[ -d $RUN ]] || { log "nothing to stop in $STATE"; return 0; }
  lock
  stop_all
  log "down"
}

stop_all() {
  stop_daemon glance2
  stop_daemon glance
  stop_daemon keystone
  if pg_running; then
    log "stopping postgres"
    as_pg "$(pg_bin)/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null 9>&- \
      || fail "postgres did not stop" "$LOGS/postgres.log"
  fi
}

cmd_status() {
  local ok=0 pid tok
  if pg_running; then
    echo "postgres: up   $HOST:$PG_PORT (pid $(head -n 1 "$PG_DATA/postmaster.pid"))"
  else
    echo "postgres: down"; ok=1
  fi
  if pid=$(our_pid keystone) && tok=$(admin_token); then
    echo "keystone: up   $KS_URL (pid $pid)"
  else
    echo "keystone: down${pid:+ (pid $pid runs but issues no token)}"; ok=1
  fi
  pid=
  if pid=$(our_pid glance) && [[ -n ${tok:-} ]] && glance_ok "$tok"; then
    echo "glance:   up   $GL_URL (pid $pid)"
  elif [[ -n $pid && -z ${tok:-} ]]; then
    # without a token Glance's image API cannot be checked
    echo "glance:   unknown (pid $pid runs; no token from keystone to check it)"; ok=1
  else
    echo "glance:   down${pid:+ (pid $pid runs but does not answer)}"; ok=1
  fi
  if region2_on; then   # RegionTwo (see "a second Glance as RegionTwo")
    if pid=$(our_pid glance2) && [[ -n ${tok:-} ]] && GL_URL=$GL2_URL glance_ok "$tok"; then echo "glance2:  up   $GL2_URL (RegionTwo, pid $pid)"
    else echo "glance2:  down"; ok=1; fi
  fi
  return $ok
}

cmd_env() {
  local f=$STATE/${1:-admin}-openrc
  [[ -f $f ]] || die "$f does not exist yet: run 'bash scripts/local-cloud.sh up'"
  printf '%s\n' "$f"
}

case ${1:-} in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env "${2:-admin}" ;;
  check-packages) cmd_check_packages ;;
  tools) cmd_tools ;;
  *) echo "usage: $0 up|down|status|env [admin|demo]|check-packages|tools" >&2; exit 2 ;;
esac
