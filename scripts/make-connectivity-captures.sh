#!/usr/bin/env bash
# Records the connectivity samples captures/connectivity-*.pcap with real software in network
# namespaces (needs root): a client (mw19c), a router/firewall (mw19r) and a server host (mw19s),
#
#   client 10.19.1.2 / fd19:1::2 ── 10.19.1.1 / fd19:1::1  router  10.19.2.1 / fd19:2::1 ── 10.19.2.2 / fd19:2::2 server
#
# dnsmasq on the server host is the client's resolver (/etc/netns/mw19c/resolv.conf); the client's
# tools are dig, getent and curl; the refusals are iptables REJECT rules; the IMAP server is a small
# Python program (plain and TLS). tcpdump records on the client's interface.
#
#   connectivity-three-failures.pcap  the "Server not found" story: mail.example.com NXDOMAIN; a SYN
#                                     to 143 rejected by the firewall (ICMP 3/13 from 10.19.1.1); a SYN
#                                     to 993 answered by the server host with ICMP port unreachable
#   connectivity-ipv6-fails.pcap      imap.example.com has A and AAAA; the firewall drops IPv6 to 143;
#                                     curl tries IPv6 first, falls back to IPv4, which works
#   connectivity-srv-imaps.pcap       an RFC 6186 SRV lookup (_imaps._tcp.example.com → imap.example.com:993),
#                                     the address lookup, then a working IMAPS session
#
# Timestamps, ports, DNS ids and TLS keys differ per run, so `--check` records everything again in a
# temporary directory and compares what mailwire reports (finding ids and the reachability summary)
# with what it reports on the committed files; it prints `same` or `DIFFERS` per file, exit 1 on a
# difference. Usage (after `npm run build`): scripts/make-connectivity-captures.sh [--check] [--out DIR]
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT="$REPO/captures"
CHECK=0
while [ $# -gt 0 ]; do
  case "$1" in
    --check) CHECK=1; shift ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "usage: $0 [--check] [--out DIR]" >&2; exit 2 ;;
  esac
done
if [ "$(id -u)" != 0 ]; then echo "$0: needs root (network namespaces, tcpdump)" >&2; exit 2; fi
WORK=$(mktemp -d /tmp/mw19-captures.XXXXXX)
if [ $CHECK = 1 ]; then DEST="$WORK/out"; mkdir -p "$DEST"; else DEST=$OUT; fi

C=mw19c; R=mw19r; S=mw19s
PIDS=()
teardown() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
  for ns in $C $R $S; do ip netns del $ns 2>/dev/null || true; done
  rm -rf /etc/netns/$C "$WORK"
}
trap teardown EXIT

inC() { ip netns exec $C "$@"; }
inR() { ip netns exec $R "$@"; }
inS() { ip netns exec $S "$@"; }

setup() {
  for ns in $C $R $S; do ip netns del $ns 2>/dev/null || true; ip netns add $ns; ip -n $ns link set lo up; done
  ip link add mw19c0 netns $C type veth peer name mw19r0 netns $R
  ip link add mw19r1 netns $R type veth peer name mw19s0 netns $S
  # Fixed MAC addresses: the same frames every run.
  ip -n $C link set mw19c0 address 02:00:00:19:01:02; ip -n $R link set mw19r0 address 02:00:00:19:01:01
  ip -n $R link set mw19r1 address 02:00:00:19:02:01; ip -n $S link set mw19s0 address 02:00:00:19:02:02
  for ns in $C $R $S; do
    ip netns exec $ns sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
      net.ipv6.conf.all.router_solicitations=0 net.ipv6.conf.default.router_solicitations=0
  done
  ip -n $C addr add 10.19.1.2/24 dev mw19c0; ip -n $C addr add fd19:1::2/64 dev mw19c0 nodad
  ip -n $R addr add 10.19.1.1/24 dev mw19r0; ip -n $R addr add fd19:1::1/64 dev mw19r0 nodad
  ip -n $R addr add 10.19.2.1/24 dev mw19r1; ip -n $R addr add fd19:2::1/64 dev mw19r1 nodad
  ip -n $S addr add 10.19.2.2/24 dev mw19s0; ip -n $S addr add fd19:2::2/64 dev mw19s0 nodad
  for ns in $C $R $S; do ip netns exec $ns sh -c 'for i in /sys/class/net/mw19*; do ip link set "$(basename "$i")" up; done'; done
  ip -n $C route add default via 10.19.1.1; ip -n $C -6 route add default via fd19:1::1
  ip -n $S route add default via 10.19.2.1; ip -n $S -6 route add default via fd19:2::1
  inR sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  # Neighbours known in advance: no ARP/ND in the captures, no resolution delay.
  ip -n $C neigh add 10.19.1.1 lladdr 02:00:00:19:01:01 dev mw19c0 nud permanent
  ip -n $C neigh add fd19:1::1 lladdr 02:00:00:19:01:01 dev mw19c0 nud permanent
  ip -n $R neigh add 10.19.1.2 lladdr 02:00:00:19:01:02 dev mw19r0 nud permanent
  ip -n $R neigh add fd19:1::2 lladdr 02:00:00:19:01:02 dev mw19r0 nud permanent
  ip -n $R neigh add 10.19.2.2 lladdr 02:00:00:19:02:02 dev mw19r1 nud permanent
  ip -n $R neigh add fd19:2::2 lladdr 02:00:00:19:02:02 dev mw19r1 nud permanent
  ip -n $S neigh add 10.19.2.1 lladdr 02:00:00:19:02:01 dev mw19s0 nud permanent
  ip -n $S neigh add fd19:2::1 lladdr 02:00:00:19:02:01 dev mw19s0 nud permanent
  mkdir -p /etc/netns/$C
  printf 'nameserver 10.19.2.2\noptions attempts:1 timeout:2\n' > /etc/netns/$C/resolv.conf
  printf '127.0.0.1 localhost\n' > /etc/netns/$C/hosts
  # Firewall: the router rejects IPv4 to 143 as administratively prohibited, drops IPv6 to 143;
  # the server host rejects 993 with port unreachable while its firewall is "closed" (see below).
  inR iptables -A FORWARD -p tcp -d 10.19.2.3 --dport 143 -j REJECT --reject-with icmp-admin-prohibited
  inR ip6tables -A FORWARD -p tcp --dport 143 -j DROP
  inS ip addr add 10.19.2.3/24 dev mw19s0
  inR ip neigh add 10.19.2.3 lladdr 02:00:00:19:02:02 dev mw19r1 nud permanent
  inS iptables -A INPUT -p tcp -d 10.19.2.3 --dport 993 -j REJECT --reject-with icmp-port-unreachable
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=imap.example.com -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
}

start_dns() {
  inS dnsmasq --keep-in-foreground --no-resolv --no-hosts --no-poll --listen-address=10.19.2.2 --bind-interfaces \
    --local=/example.com/ \
    --host-record=imap.example.com,10.19.2.2,fd19:2::2 \
    --srv-host=_imaps._tcp.example.com,imap.example.com,993,0,1 \
    --pid-file="$WORK/dnsmasq.pid" --log-facility=- >"$WORK/dnsmasq.log" 2>&1 &
  PIDS+=($!)
}

start_imap() {
  inS python3 - "$WORK/cert.pem" "$WORK/key.pem" >"$WORK/imap.log" 2>&1 <<'PY' &
import socket, ssl, sys, threading
def serve(conn):
    f = conn.makefile('rwb', buffering=0)
    f.write(b'* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] mw19 lab IMAP ready\r\n')
    for line in f:
        tag, _, rest = line.decode().strip().partition(' ')
        cmd = rest.split(' ', 1)[0].upper()
        if cmd == 'CAPABILITY':
            f.write(b'* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n' + tag.encode() + b' OK CAPABILITY completed\r\n')
        elif cmd == 'LOGIN':
            f.write(tag.encode() + b' OK LOGIN completed\r\n')
        elif cmd == 'LOGOUT':
            f.write(b'* BYE logging out\r\n' + tag.encode() + b' OK LOGOUT completed\r\n'); break
        else:
            f.write(tag.encode() + b' OK done\r\n')
    conn.close()
def listen(family, addr, port, tls):
    s = socket.socket(family); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port)); s.listen()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH); ctx.load_cert_chain(sys.argv[1], sys.argv[2])
    while True:
        c, _ = s.accept()
        if tls:
            try: c = ctx.wrap_socket(c, server_side=True)
            except Exception: c.close(); continue
        threading.Thread(target=serve, args=(c,), daemon=True).start()
for fam, addr in ((socket.AF_INET, '10.19.2.2'), (socket.AF_INET6, 'fd19:2::2')):
    threading.Thread(target=listen, args=(fam, addr, 143, False), daemon=True).start()
    threading.Thread(target=listen, args=(fam, addr, 993, True), daemon=True).start()
print('ready', flush=True)
threading.Event().wait()
PY
  PIDS+=($!)
  for _ in $(seq 50); do grep -q ready "$WORK/imap.log" 2>/dev/null && break; sleep 0.1; done
}

# record NAME CMD...: runs the client commands in mw19c while tcpdump records its interface.
record() {
  local name=$1; shift
  # Not through inC: $! must be tcpdump itself (ip netns exec execs it), not a subshell around it.
  ip netns exec $C tcpdump -i mw19c0 --immediate-mode -U -s 0 -w "$DEST/$name" 'not ip6 multicast and not (icmp6 and ip6[40] >= 133 and ip6[40] <= 137)' >"$WORK/tcpdump.log" 2>&1 &
  local tpid=$!
  for _ in $(seq 50); do grep -q listening "$WORK/tcpdump.log" 2>/dev/null && break; sleep 0.1; done
  "$@" || true
  sleep 0.5
  kill -TERM $tpid; wait $tpid 2>/dev/null || true
  echo "recorded $name"
}

three_failures() {
  inC dig +tries=1 +time=2 mail.example.com A >/dev/null
  inC curl -s --connect-timeout 3 imap://10.19.2.3:143/ >/dev/null
  inC curl -s --connect-timeout 3 imaps://10.19.2.3:993/ >/dev/null
}

ipv6_fails() {
  inC curl -s --connect-timeout 5 --happy-eyeballs-timeout-ms 300 -u alice:Secret123 imap://imap.example.com/ -X 'CAPABILITY' >/dev/null
}

srv_imaps() {
  local target
  target=$(inC dig +short +tries=1 SRV _imaps._tcp.example.com | awk '{print $4}')
  target=${target%.}
  inC getent ahostsv4 "$target" >/dev/null
  inC curl -s -k --ipv4 -u alice:Secret123 "imaps://$target/" -X 'CAPABILITY' >/dev/null
}

setup
start_dns
start_imap
record connectivity-three-failures.pcap three_failures
record connectivity-ipv6-fails.pcap ipv6_fails
record connectivity-srv-imaps.pcap srv_imaps

if [ $CHECK = 1 ]; then
  status=0
  summary() { node "$REPO/bin/mailwire" read --format json "$1" 2>/dev/null | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const r = JSON.parse(s);
      const ids = [...r.conversations.flatMap((c) => c.findings), ...r.findings].map((f) => f.id).sort();
      const reach = (r.summary.reachability?.servers ?? []).map((e) => ({ name: e.name, lookups: e.lookups.map((l) => [l.type, l.outcome]),
        attempts: e.attempts.map((a) => [a.address, a.port, a.tries, a.connected, a.greeted, a.loggedIn, a.failures]) }));
      console.log(JSON.stringify({ ids, reach }));
    });' || true; }
  for f in connectivity-three-failures.pcap connectivity-ipv6-fails.pcap connectivity-srv-imaps.pcap; do
    a=$(summary "$OUT/$f"); b=$(summary "$DEST/$f")
    if [ "$a" = "$b" ]; then echo "same     $f"; else echo "DIFFERS  $f"; echo "  committed: $a"; echo "  recorded:  $b"; status=1; fi
  done
  exit $status
fi
