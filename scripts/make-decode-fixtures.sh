#!/usr/bin/env bash
# Regenerates test/fixtures/decode/corpus-tcp-counts.json: for every capture in the shared corpus,
# the number of frames and, per mail TCP connection (a port 143/993/110/995 on either side), the
# number of TCP packets and the sum of tcp.len, as tshark counts them. The decode tests compare
# decodeFrame against this file and do not need tshark.
#
# Usage: scripts/make-decode-fixtures.sh [corpus-dir]   (default: ../shared/corpus from the repo)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
corpus="${1:-$repo/../shared/corpus}"
out="$repo/test/fixtures/decode/corpus-tcp-counts.json"
filter='tcp && !icmp && !icmpv6 && tcp.port in {143,993,110,995}'
version="$(tshark -v 2>/dev/null | head -1)"

{
  printf '{\n  "generator": "scripts/make-decode-fixtures.sh",\n  "tshark": "%s",\n  "filter": "%s",\n  "files": {' "$version" "$filter"
  first=1
  while IFS= read -r -d '' file; do
    rel="${file#"$corpus"/}"
    frames="$(tshark -r "$file" -T fields -e frame.number 2>/dev/null | wc -l)"
    conns="$(tshark -r "$file" -Y "$filter" -T fields -E occurrence=f \
        -e ip.src -e ipv6.src -e tcp.srcport -e ip.dst -e ipv6.dst -e tcp.dstport -e tcp.len 2>/dev/null |
      awk -F'\t' '
        {
          s = ($1 != "") ? $1 ":" $3 : "[" $2 "]:" $3
          d = ($4 != "") ? $4 ":" $6 : "[" $5 "]:" $6
          k = (s < d) ? s " <> " d : d " <> " s
          if (!(k in pk)) order[n++] = k
          pk[k]++; by[k] += $7
        }
        END {
          for (i = 0; i < n; i++) printf "%s\n      \"%s\": { \"packets\": %d, \"payloadBytes\": %d }", (i ? "," : ""), order[i], pk[order[i]], by[order[i]]
        }')"
    [ $first -eq 1 ] || printf ','
    first=0
    printf '\n    "%s": {\n      "frames": %d,\n      "connections": {%s\n      }\n    }' "$rel" "$frames" "$conns"
  done < <(find "$corpus" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) -print0 | sort -z)
  printf '\n  }\n}\n'
} > "$out"
echo "wrote $out"
