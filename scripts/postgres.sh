#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the scale-out tests, from Debian's packages.
#   eval "$(scripts/postgres.sh start)"   prints the exports: PAINREVIEW_TEST_POSTGRES, PAINREVIEW_PG_DIR
#   scripts/postgres.sh stop DIR
set -euo pipefail

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else echo "error: '$*' needs root" >&2; exit 1; fi
}

bin_dir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

case "${1:-}" in
  start)
    if [ -z "$(bin_dir)" ]; then
      echo "Installing PostgreSQL (Debian package postgresql)" >&2
      as_root apt-get update -qq >&2
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    fi
    bin=$(bin_dir)
    dir=$(mktemp -d /tmp/painreview-pg.XXXXXX)
    port=$(( 20000 + RANDOM % 20000 ))
    # initdb refuses to run as root: use Debian's postgres account then.
    run=()
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; run=(runuser -u postgres --); fi
    "${run[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync >"$dir/initdb.log" 2>&1
    "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >&2
    echo "export PAINREVIEW_TEST_POSTGRES='Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres'"
    echo "export PAINREVIEW_PG_DIR='$dir'"
    ;;
  stop)
    dir=${2:?directory}
    bin=$(bin_dir)
    run=()
    if [ "$(id -u)" -eq 0 ]; then run=(runuser -u postgres --); fi
    "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
