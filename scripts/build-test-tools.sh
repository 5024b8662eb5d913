#!/usr/bin/env bash
# Builds the Go-based servers the test suite and the offline default need, once,
# into a cache outside the clone (keyed by tool and version) so fresh clones on
# the same machine reuse them.
#
#   scripts/build-test-tools.sh            build every tool
#   scripts/build-test-tools.sh ferretdb   build one tool
#   scripts/build-test-tools.sh ferretdb --unless-mongo-url   (pnpm dev/start: skip when MONGO_URL is set)
#   scripts/build-test-tools.sh --print-dir
#
# The tools folder is $SEED_TOOLS_DIR, else ${XDG_CACHE_HOME:-~/.cache}/seed-pms/tools.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_dir="${SEED_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/seed-pms/tools}"

FERRETDB_VERSION="v1.24.2"

if [[ "${1:-}" == "--print-dir" ]]; then
  echo "$tools_dir"
  exit 0
fi

need_go() {
  if ! command -v go >/dev/null 2>&1; then
    for candidate in /usr/local/go/bin/go /usr/lib/go/bin/go; do
      if [[ -x "$candidate" ]]; then export PATH="$(dirname "$candidate"):$PATH"; return 0; fi
    done
    cat >&2 <<MSG
error: Go is not installed, and the test database (FerretDB ${FERRETDB_VERSION}) is built from source with it.
  Install Go 1.22 or newer (https://go.dev/dl/ or 'apt-get install golang'),
  or point the suite at a running MongoDB 7 instead: MONGO_URL=mongodb://127.0.0.1:27017 pnpm test
MSG
    exit 1
  fi
}

# A small Go module of our own pins the tool as a `tool` dependency. The module
# as published has an empty build/version/version.txt, and a binary whose main
# module is FerretDB's panics at start on it (`go install …@version` does the
# same), so we vendor the module and write the version into the vendored copy.
build_ferretdb() {
  local out="$tools_dir/ferretdb-${FERRETDB_VERSION}"
  if [[ -x "$out/ferretdb" ]] && "$out/ferretdb" --version >/dev/null 2>&1; then
    echo "ferretdb ${FERRETDB_VERSION}: already built at $out/ferretdb"
    return 0
  fi
  need_go
  echo "ferretdb ${FERRETDB_VERSION}: building into $out (first time only, about a minute)…"
  mkdir -p "$out"
  local work
  work="$(mktemp -d)"
  cp "$here/tools/ferretdb/go.mod" "$here/tools/ferretdb/go.sum" "$work/"
  (
    cd "$work"
    go mod vendor
    echo "${FERRETDB_VERSION}" > vendor/github.com/FerretDB/FerretDB/build/version/version.txt
    go build -mod=vendor -trimpath -o "$out/ferretdb.tmp" github.com/FerretDB/FerretDB/cmd/ferretdb
  )
  mv "$out/ferretdb.tmp" "$out/ferretdb"
  rm -rf "$work"
  "$out/ferretdb" --version | head -1
  echo "ferretdb ${FERRETDB_VERSION}: built $out/ferretdb"
}

what="${1:-all}"
if [[ "${2:-}" == "--unless-mongo-url" && -n "${MONGO_URL:-}" ]]; then
  exit 0 # the database is given; nothing to build for running the API
fi
case "$what" in
  all) build_ferretdb ;;
  ferretdb) build_ferretdb ;;
  *) echo "unknown tool: $what" >&2; exit 2 ;;
esac
