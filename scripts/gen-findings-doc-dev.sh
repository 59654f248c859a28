#!/bin/sh
# Regenerates docs/findings.md without touching dist/ (compiles src/ into a temporary directory).
# The npm script `docs:findings` does the same through the normal build.
set -e
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
npx tsc -p tsconfig.json --outDir "$tmp/dist" >/dev/null || true
mkdir -p "$tmp/scripts" "$tmp/docs"
cp scripts/gen-findings-doc.mjs "$tmp/scripts/"
node "$tmp/scripts/gen-findings-doc.mjs"
cp "$tmp/docs/findings.md" docs/findings.md
rm -rf "$tmp"
