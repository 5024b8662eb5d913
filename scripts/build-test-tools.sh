#!/usr/bin/env bash
# Builds the Go-based servers the test suite and the offline default need, once,
# into a cache outside the clone (keyed by tool and version) so fresh clones on
# the same machine reuse them, and makes sure clamd (the virus scanner the file
# tests talk to) is installed.
#
#   scripts/build-test-tools.sh            build or check every tool
#   scripts/build-test-tools.sh ferretdb   build one tool (also: versitygw, clamd)
#   scripts/build-test-tools.sh ferretdb --unless-mongo-url   (pnpm dev/start: skip when MONGO_URL is set)
#   scripts/build-test-tools.sh --print-dir
#
# The tools folder is $SEED_TOOLS_DIR, else ${XDG_CACHE_HOME:-~/.cache}/seed-pms/tools.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_dir="${SEED_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/seed-pms/tools}"

FERRETDB_VERSION="v1.24.2"
VERSITYGW_VERSION="v1.7.0"

if [[ "${1:-}" == "--print-dir" ]]; then
  echo "$tools_dir"
  exit 0
fi

# $1 names what is being built, $2 how to do without it.
need_go() {
  if ! command -v go >/dev/null 2>&1; then
    for candidate in /usr/local/go/bin/go /usr/lib/go/bin/go; do
      if [[ -x "$candidate" ]]; then export PATH="$(dirname "$candidate"):$PATH"; return 0; fi
    done
    cat >&2 <<MSG
error: Go is not installed, and $1 is built from source with it.
  Install Go 1.22 or newer (https://go.dev/dl/ or 'apt-get install golang'),
  or $2
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
  need_go "the test database (FerretDB ${FERRETDB_VERSION})" \
    "point the suite at a running MongoDB 7 instead: MONGO_URL=mongodb://127.0.0.1:27017 pnpm test"
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

# The S3 server of the file-storage tests: a real S3 API (SigV4 checked) over a
# plain directory. `go install` of a tagged version builds it as published; the
# -X flag only makes `versitygw --version` name the release instead of "git".
build_versitygw() {
  local out="$tools_dir/versitygw-${VERSITYGW_VERSION}"
  if [[ -x "$out/versitygw" ]] && "$out/versitygw" --version >/dev/null 2>&1; then
    echo "versitygw ${VERSITYGW_VERSION}: already built at $out/versitygw"
    return 0
  fi
  need_go "the test S3 server (versitygw ${VERSITYGW_VERSION})" \
    "point the suite at an S3 server of your own: TEST_S3_ENDPOINT, TEST_S3_ACCESS_KEY_ID, TEST_S3_SECRET_ACCESS_KEY"
  echo "versitygw ${VERSITYGW_VERSION}: building into $out (first time only, a minute or two)…"
  mkdir -p "$out"
  rm -f "$out/versitygw"
  GOBIN="$out" go install -trimpath -ldflags "-X main.Version=${VERSITYGW_VERSION}" \
    "github.com/versity/versitygw/cmd/versitygw@${VERSITYGW_VERSION}"
  echo "versitygw ${VERSITYGW_VERSION}: built $out/versitygw"
}

# clamd comes from the distribution rather than the tools folder: it is C with a
# long list of libraries, and Debian's package is current. The tests start it
# with a signature database of their own (the EICAR test string only), so the
# official databases are never downloaded.
ensure_clamd() {
  local found
  found="$(command -v clamd 2>/dev/null || true)"
  if [[ -z "$found" && -x /usr/sbin/clamd ]]; then found=/usr/sbin/clamd; fi
  if [[ -n "$found" ]]; then
    echo "clamd: $("$found" --version 2>/dev/null | head -1) at $found"
    return 0
  fi
  local -a sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      sudo=(none)
    fi
  fi
  if [[ "${sudo[0]:-}" == none ]] || ! command -v apt-get >/dev/null 2>&1; then
    cat >&2 <<MSG
error: the file tests need clamd (the ClamAV daemon), which is not installed.
  Install it as root: apt-get install -y --no-install-recommends clamav-daemon
  (or your distribution's clamav / clamd package), or point the suite at a running
  clamd instead: TEST_CLAMAV_URL=tcp://127.0.0.1:3310 pnpm test
MSG
    exit 1
  fi
  echo "clamd: installing Debian's clamav-daemon…"
  local -a install=(env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends clamav-daemon)
  if ! "${sudo[@]}" "${install[@]}"; then
    # A fresh image has no package lists yet.
    "${sudo[@]}" apt-get update
    "${sudo[@]}" "${install[@]}"
  fi
  echo "clamd: $(/usr/sbin/clamd --version 2>/dev/null | head -1)"
}

what="${1:-all}"
if [[ "${2:-}" == "--unless-mongo-url" && -n "${MONGO_URL:-}" ]]; then
  exit 0 # the database is given; nothing to build for running the API
fi
case "$what" in
  all) build_ferretdb; build_versitygw; ensure_clamd ;;
  ferretdb) build_ferretdb ;;
  versitygw) build_versitygw ;;
  clamd) ensure_clamd ;;
  *) echo "unknown tool: $what" >&2; exit 2 ;;
esac
