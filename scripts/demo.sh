#!/usr/bin/env bash
# npm run demo: the seed walkthrough with bin/img against a real Keystone +
# Glance on loopback (scripts/local-cloud.sh). Each command is echoed first.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if [ ! -d node_modules ] || [ ! -f dist/src/main.js ]; then
  echo "+ npm ci" >&2
  npm ci --no-audit --no-fund >&2
fi

bash scripts/local-cloud.sh up
OPENRC=$(bash scripts/local-cloud.sh env)
# shellcheck disable=SC1090
. "$OPENRC"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
image="$work/bionic-server-cloudimg-amd64.img"
node scripts/make-test-image.mjs qcow2 "$image" 16

img() { "$root/bin/img" "$@"; }
run() {
  printf '\n$ img %s\n' "$*"
  img "$@"
}

# A previous demo run may have left its image behind (e.g. interrupted).
img delete Ubuntu18 >/dev/null 2>&1 || true

run create Ubuntu18 --file "$image" --disk-format qcow2 --container-format bare --public
run list
run show Ubuntu18
run deactivate Ubuntu18
run show Ubuntu18 -c status
run reactivate Ubuntu18
run delete Ubuntu18
run list

printf '\ndemo: the cloud keeps running; its state is in %s, credentials: . %s (or demo-openrc); stop it: npm run cloud:down\n' \
  "$(dirname "$OPENRC")" "$OPENRC"
