#!/usr/bin/env bash
# A disposable single-node Ceph RGW (S3) on loopback for tests, benches and local multi-node runs: one monitor,
# one memstore OSD (data in RAM, lost on stop) and radosgw, cephx off. Installs ceph-mon, ceph-osd, radosgw and
# ceph-common with apt-get when missing (fresh CI machines). Works as root without systemd or Docker.
# Prints the lines to eval: `eval "$(scripts/start-ceph-rgw.sh)"`. Stop with scripts/stop-ceph-rgw.sh.
# Two buckets: OPENCBR_TEST_S3_BUCKET, plain, and OPENCBR_TEST_S3_LOCK_BUCKET with Object Lock enabled (which RGW
# enforces). Object Lock implies versioning, and Ceph 16 ignores `If-None-Match: *` on versioned buckets, so
# the plain one is the store's bucket.
#   OPENCBR_RGW_DIR     cluster directory (default: a new mktemp directory)
#   OPENCBR_RGW_PORT    S3 port (default: a free one); the monitor takes another free port
#   OPENCBR_RGW_BUCKET  bucket to create (default opencbr-test)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v radosgw >/dev/null || ! command -v ceph-osd >/dev/null || ! command -v ceph-mon >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends ceph-mon ceph-osd radosgw ceph-common >&2
fi

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}
DIR=${OPENCBR_RGW_DIR:-$(mktemp -d /tmp/opencbr-rgw.XXXXXX)}
PORT=${OPENCBR_RGW_PORT:-$(free_port)}
MON_PORT=$(free_port)
BUCKET=${OPENCBR_RGW_BUCKET:-opencbr-test}
ACCESS=opencbrtestaccess
SECRET=opencbrtestsecret
# memstore keeps data in RAM only: every start is a new, empty cluster.
rm -rf "$DIR"
mkdir -p "$DIR"/{mon,osd,rgw,run,log}
CONF="$DIR/ceph.conf"
export CEPH_CONF="$CONF"
FSID=$(cat /proc/sys/kernel/random/uuid)
# Why the less obvious settings: auth none only works with the crc wire mode (otherwise radosgw loops on
# "get_initial_auth_request returned -13"); RGW creates ~8 pools, so 8 PGs each and a high per-OSD cap; the
# disk-space warning would fire on a mostly full CI disk.
cat >"$CONF" <<EOF
[global]
fsid = $FSID
mon host = v2:127.0.0.1:$MON_PORT
public network = 127.0.0.0/8
auth cluster required = none
auth service required = none
auth client required = none
run dir = $DIR/run
log file = $DIR/log/\$name.log
admin socket = $DIR/run/\$name.asok
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
ms bind ipv4 = true
ms bind ipv6 = false
ms bind msgr1 = false
ms cluster mode = crc
ms service mode = crc
ms client mode = crc
ms mon cluster mode = crc
ms mon service mode = crc
ms mon client mode = crc
mon data avail warn = 2
[mon]
mon data = $DIR/mon/\$name
mon cluster log file = $DIR/log/cluster.log
[osd]
osd data = $DIR/osd/\$name
osd objectstore = memstore
memstore device bytes = ${OPENCBR_RGW_MEM_BYTES:-4294967296}
osd memory target = 939524096
osd max object name len = 460
osd max object namespace len = 64
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$PORT
rgw data = $DIR/rgw
rgw dns name = localhost
rgw enable usage log = false
rgw thread pool size = 64
EOF
monmaptool --create --clobber --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_PORT]" "$DIR/monmap" >/dev/null
ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap" >&2
ceph-mon -c "$CONF" -i a --pid-file "$DIR/run/mon.pid" >&2
OSD_ID=$(ceph -c "$CONF" osd create)
# `osd data` must be the directory named after the OSD, or --mkfs aborts.
mkdir -p "$DIR/osd/osd.$OSD_ID"
ceph-osd -c "$CONF" -i "$OSD_ID" --mkfs >&2 2>&1
ceph -c "$CONF" osd crush add "osd.$OSD_ID" 1.0 host=localhost root=default >/dev/null 2>&1 || true
ceph-osd -c "$CONF" -i "$OSD_ID" --pid-file "$DIR/run/osd.pid" >&2
# radosgw stays in the foreground until it reaches the monitor.
timeout 120 radosgw -c "$CONF" -n client.rgw.a --pid-file "$DIR/run/rgw.pid" >&2

ok=
for _ in $(seq 1 300); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/" || true)" = 200 ] && ok=1 && break
  sleep 0.2
done
[ -n "$ok" ] || { echo "radosgw did not come up; logs in $DIR/log" >&2; exit 1; }
radosgw-admin -c "$CONF" user create --uid opencbr --display-name opencbr \
  --access-key "$ACCESS" --secret-key "$SECRET" >/dev/null
export OPENCBR_S3_ENDPOINT="http://127.0.0.1:$PORT" OPENCBR_S3_REGION=us-east-1
export AWS_ACCESS_KEY_ID=$ACCESS AWS_SECRET_ACCESS_KEY=$SECRET
node scripts/s3-create-bucket.mjs "$BUCKET" >&2
node scripts/s3-create-bucket.mjs "$BUCKET-lock" --object-lock >&2

cat <<EOF
export OPENCBR_RGW_DIR=$DIR
export OPENCBR_S3_ENDPOINT=http://127.0.0.1:$PORT
export OPENCBR_S3_REGION=us-east-1
export AWS_ACCESS_KEY_ID=$ACCESS
export AWS_SECRET_ACCESS_KEY=$SECRET
export OPENCBR_TEST_S3_BUCKET=$BUCKET
export OPENCBR_TEST_S3_LOCK_BUCKET=$BUCKET-lock
EOF
