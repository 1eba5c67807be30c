#!/usr/bin/env bash
# Stops the PostgreSQL started by scripts/start-postgres.sh and removes its cluster directory.
#   OPENCBR_PG_DIR  the directory start-postgres.sh printed (required)
set -euo pipefail
DIR=${OPENCBR_PG_DIR:?set OPENCBR_PG_DIR to the directory start-postgres.sh printed}
BIN=/usr/lib/postgresql/15/bin
run() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ -f "$DIR/data/postmaster.pid" ]; then run "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >&2 || true; fi
rm -rf "$DIR"
