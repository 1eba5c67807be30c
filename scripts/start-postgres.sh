#!/usr/bin/env bash
# A disposable PostgreSQL 15 on loopback for tests, benches and local multi-node runs.
# Installs postgresql-15 with apt-get when its binaries are missing (fresh CI machines), creates a cluster in
# a temporary directory, starts it on 127.0.0.1 on a free port and creates one database. Works as root without
# systemd (the server runs as the `postgres` OS user, which the package creates).
# Prints the lines to eval: `eval "$(scripts/start-postgres.sh)"`. Stop with scripts/stop-postgres.sh.
#   OPENCBR_PG_DIR   cluster directory (default: a new mktemp directory)
#   OPENCBR_PG_PORT  port (default: a free one)
set -euo pipefail

BIN=/usr/lib/postgresql/15/bin
if [ ! -x "$BIN/postgres" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends postgresql-15 >&2
fi

run() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

DIR=${OPENCBR_PG_DIR:-$(mktemp -d /tmp/opencbr-pg.XXXXXX)}
mkdir -p "$DIR"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR"
chmod 700 "$DIR"
PORT=${OPENCBR_PG_PORT:-$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")}

if [ ! -f "$DIR/data/PG_VERSION" ]; then
  run "$BIN/initdb" -D "$DIR/data" -U postgres -E UTF8 --locale=C.UTF-8 --auth=trust --no-sync >&2
  # Throwaway data: no fsync. Enough connections for parallel test files, each with its own pool.
  cat >>"$DIR/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
CONF
fi
run "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 start >&2
run "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres opencbr 2>/dev/null || true

echo "export OPENCBR_PG_DIR=$DIR"
echo "export OPENCBR_TEST_CATALOG_URL=postgres://postgres@127.0.0.1:$PORT/opencbr"
