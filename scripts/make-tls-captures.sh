#!/bin/sh
# Regenerates captures/tls/: TLS test sessions recorded on loopback with tcpdump.
# Needs root (tcpdump -i lo), openssl, node. Usage: sh scripts/make-tls-captures.sh
# ONLY=name,name re-records just those sessions (the others and server.crt are left as they are).
set -eu
cd "$(dirname "$0")/.."
OUT=captures/tls
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT"
# A self-signed server certificate for mail.example.org (test only; its key is thrown away).
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/server.key" -out "$TMP/server.crt" -days 3650 \
  -subj "/CN=mail.example.org" -addext "subjectAltName=DNS:mail.example.org,DNS:imap.example.org" 2>/dev/null
[ -n "${ONLY:-}" ] || cp "$TMP/server.crt" "$OUT/server.crt"
tcpdump -i lo -U -s 0 -w "$TMP/all.pcap" 'tcp portrange 40001-40099' 2>/dev/null &
TCPDUMP=$!
sleep 1
node scripts/make-tls-captures.mjs "$OUT" "$TMP"
sleep 1
kill "$TCPDUMP"
wait "$TCPDUMP" || true
for f in "$OUT"/*.keylog; do
  name=$(basename "$f" .keylog)
  case ",${ONLY:-$name}," in *",$name,"*) ;; *) continue ;; esac
  port=$(grep -o "name: '$name', port: [0-9]*" scripts/make-tls-captures.mjs | grep -o '[0-9]*$')
  tcpdump -r "$TMP/all.pcap" -w "$OUT/$name.pcap" "tcp port $port" 2>/dev/null
done
ls -l "$OUT"
