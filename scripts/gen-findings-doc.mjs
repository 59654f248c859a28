#!/usr/bin/env node
// Writes docs/findings.md from the rules' metadata. Run after a build: `npm run docs:findings`
// (= `tsc -p tsconfig.json && node scripts/gen-findings-doc.mjs`).
import { writeFileSync } from 'node:fs';
import { renderFindingsDoc } from '../dist/diagnose/findings-doc.js';

const target = new URL('../docs/findings.md', import.meta.url);
writeFileSync(target, renderFindingsDoc());
console.log(`wrote ${target.pathname}`);
