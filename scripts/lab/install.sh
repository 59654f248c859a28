#!/bin/sh
# Installs what the Dovecot lab (scripts/lab/dovecot-lab.mjs, test/e2e/) needs on Debian/Ubuntu:
# Dovecot's IMAP and POP3 servers, tcpdump, curl and openssl. Only missing packages are installed.
# The packaged Dovecot service is not used (the lab runs its own instance with its own
# configuration); if installing started it, it is stopped so that it does not hold ports.
set -eu
missing=""
for pkg in dovecot-imapd dovecot-pop3d tcpdump curl openssl; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
  # The package's own service, if the installation started it (not on containers without systemd).
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet dovecot 2>/dev/null; then
    $SUDO systemctl stop dovecot || true
  fi
fi
dovecot --version
