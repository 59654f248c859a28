import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { renderFindingsDoc } from '../../src/diagnose/findings-doc.js';
import { CATALOGUE } from '../../src/diagnose/catalogue.js';

describe('docs/findings.md', () => {
  it('is up to date with the rules (regenerate: npm run docs:findings)', () => {
    const committed = readFileSync(new URL('../../docs/findings.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderFindingsDoc());
  });

  it('documents every rule with its explanation and fix', () => {
    const doc = renderFindingsDoc();
    for (const r of CATALOGUE) {
      expect(doc).toContain(`### ${r.id}\n`);
      expect(doc).toContain(r.fix);
    }
  });
});

describe('catalogue', () => {
  it('ids are unique and shaped <layer>.<kebab-case>', () => {
    const ids = CATALOGUE.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+\.[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('every rule has a title, explanation, fix and at least one reference', () => {
    for (const r of CATALOGUE) {
      expect(r.title.length, r.id).toBeGreaterThan(3);
      expect(r.explanation.length, r.id).toBeGreaterThan(20);
      expect(r.fix.length, r.id).toBeGreaterThan(10);
      expect(r.references.length, r.id).toBeGreaterThan(0);
    }
  });
});
