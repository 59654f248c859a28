#!/bin/sh
# Installs what the labs (scripts/lab/dovecot-lab.mjs, scripts/lab/postfix-lab.mjs, test/e2e/) need on
# Debian/Ubuntu: Dovecot's IMAP and POP3 servers, Postfix, tcpdump, curl, openssl, swaks, msmtp, s-nail
# and Python 3; ClickHouse for the event-lines test; the real-client lab's clients (also the TLS
# clients whose JA4 fingerprints are named: fetchmail, isync, gnutls-cli); dnsmasq, dig and iptables
# for the connectivity samples. Only missing packages are installed.
# The packaged Dovecot and Postfix services are not used (the lab runs its own instance with its own
# configuration); if installing started it, it is stopped so that it does not hold ports.
#
# `mailwire live` needs mailwire's native libpcap addon (native/), which `npm install` builds when
# libpcap's headers and a compiler are there: when it does not load, this installs libpcap-dev and a
# compiler and builds it (npm run build:native).
set -eu
cd "$(dirname "$0")/../.."
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
updated=""

# Installs the Debian packages given that are not installed yet.
apt_install() {
  missing=""
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
  done
  [ -n "$missing" ] || return 0
  if [ -z "$updated" ]; then
    $SUDO apt-get update -qq
    updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
}

apt_install dovecot-imapd dovecot-pop3d tcpdump curl openssl
# The real-client lab (scripts/lab/real-clients.mjs): the clients, cc for its key-log shim, and
# unshare/mount (util-linux, mount) for the clients' private /etc/hosts; gnutls-cli for the JA4
# fingerprints src/protocols/tls/client-fingerprints.ts names (test/e2e/client-fingerprints.test.ts).
apt_install fetchmail isync getmail6 gnutls-bin python3 gcc libc6-dev util-linux mount

# The SMTP lab (scripts/lab/postfix-lab.mjs): Postfix, and the real clients test/e2e/postfix-lab.test.ts runs.
# Postfix's package asks how to configure the system's mail: "No configuration" (the lab has its own).
if ! dpkg-query -W -f='${Status}' postfix 2>/dev/null | grep -q "install ok installed"; then
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
fi
apt_install postfix swaks msmtp s-nail python3
# The package's own service, if the installation started it (not on containers without systemd).
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet dovecot 2>/dev/null; then
  $SUDO systemctl stop dovecot || true
fi
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet postfix 2>/dev/null; then
  $SUDO systemctl stop postfix || true
fi
dovecot --version

# ClickHouse for test/e2e/clickhouse.test.ts (event lines ingested and queried; docs/clickhouse.md).
# The test runs its own server on 127.0.22.1 with a throw-away data directory; the packaged service,
# if installing started it, is stopped so that it holds no ports.
apt_install clickhouse-server clickhouse-client
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet clickhouse-server 2>/dev/null; then
  $SUDO systemctl stop clickhouse-server || true
fi

# The connectivity samples (scripts/make-connectivity-captures.sh, test/e2e/connectivity-captures.test.ts):
# network namespaces, a resolver (dnsmasq-base: the binary, no system service), dig and getent,
# iptables/ip6tables REJECT rules, a Python IMAP server.
apt_install dnsmasq-base dnsutils iproute2 iptables python3

addon=./native/build/Release/mailwire_pcap.node
if ! node -e "require('$addon')" >/dev/null 2>&1; then
  apt_install libpcap-dev make g++ python3
  npm run build:native
  node -e "require('$addon')"
fi
echo "the libpcap addon loads: mailwire live can capture"
