#!/usr/bin/env bash
# Stops the radosgw, OSD and monitor started by scripts/start-ceph-rgw.sh (by their recorded PIDs) and removes
# the cluster directory (memstore: the data goes with it).
#   OPENCBR_RGW_DIR  the directory start-ceph-rgw.sh printed (required)
set -uo pipefail
DIR=${OPENCBR_RGW_DIR:?set OPENCBR_RGW_DIR to the directory start-ceph-rgw.sh printed}
for n in rgw osd mon; do
  f="$DIR/run/$n.pid"
  [ -f "$f" ] || continue
  pid=$(cat "$f")
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
done
rm -rf "$DIR"
exit 0
