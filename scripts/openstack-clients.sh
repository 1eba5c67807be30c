#!/usr/bin/env bash
# Installs the real OpenStack command-line clients (Debian packages) that test/clients drives.
# Idempotent: does nothing when `openstack` and `cinder` already run. Needs root (CI runs as root)
# or passwordless sudo; exits non-zero with a reason otherwise, and the client tests then skip.
set -euo pipefail

have_clients() {
  command -v openstack >/dev/null 2>&1 && command -v cinder >/dev/null 2>&1 &&
    openstack --version >/dev/null 2>&1 && cinder --version >/dev/null 2>&1
}

if have_clients; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
else
  echo "openstack-clients: not root and no passwordless sudo; cannot apt-get install" >&2
  exit 2
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "openstack-clients: apt-get not available on this machine" >&2
  exit 2
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq python3-openstackclient python3-cinderclient >/dev/null

if ! have_clients; then
  echo "openstack-clients: installed, but openstack/cinder still do not run" >&2
  exit 3
fi
echo "openstack-clients: $(openstack --version 2>&1), cinder $(cinder --version 2>&1)"
