/**
 * The Elasticsearch / OpenSearch index template (docs/schema/elasticsearch-template.json) is the one
 * scripts/es-template.mjs makes from the event-lines schema, its field types fit the schema's, and
 * real records hold values each mapping accepts (an ip field holds addresses, a date field dates).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { esTemplate } from '../../../scripts/es-template.mjs';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const schema = JSON.parse(readFileSync(join(ROOT, 'docs/schema/events.schema.json'), 'utf8')) as { properties: Record<string, Record<string, unknown> & { type: string; items?: { type: string } }> };
const template = JSON.parse(readFileSync(join(ROOT, 'docs/schema/elasticsearch-template.json'), 'utf8'));

/** Leaf mappings of the template by dotted path. */
function leaves(props: Record<string, { type?: string; properties?: Record<string, unknown> }>, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, m] of Object.entries(props)) {
    if (m.properties) for (const [k, v] of leaves(m.properties as never, `${prefix}${name}.`)) out.set(k, v);
    else out.set(`${prefix}${name}`, m.type!);
  }
  return out;
}

/** Elasticsearch types that can hold each JSON type. */
const FITS: Record<string, string[]> = {
  string: ['keyword', 'text', 'ip', 'date', 'date_nanos'],
  integer: ['long'],
  number: ['double'],
  boolean: ['boolean'],
};

describe('Elasticsearch index template', () => {
  const mapped = leaves(template.template.mappings.properties);

  it('is current (npm run docs:es-template)', () => {
    expect(template).toEqual(esTemplate(schema));
  });

  it('maps every schema field, and only those, with a type that fits', () => {
    expect([...mapped.keys()].sort()).toEqual(Object.keys(schema.properties).sort());
    for (const [path, prop] of Object.entries(schema.properties)) {
      const jsonType = prop.type === 'array' ? prop.items!.type : prop.type;
      expect(FITS[jsonType], path).toContain(mapped.get(path));
    }
  });

  it('real records hold values their mapping accepts', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/mailwire'), 'read', '--format', 'jsonl', '--schema', '2', join(ROOT, 'captures/phone-vs-thunderbird.pcap'), join(ROOT, 'captures/clean-imap-ipv6.pcap')], { cwd: ROOT });
    expect(r.status).toBe(0);
    let checked = 0;
    for (const line of r.stdout.toString().trim().split('\n')) {
      for (const [path, value] of Object.entries(JSON.parse(line) as Record<string, unknown>)) {
        const values = Array.isArray(value) ? value : [value];
        const type = mapped.get(path);
        for (const v of values) {
          if (type === 'ip') expect(isIP(v as string), `${path}: ${v}`).not.toBe(0);
          if (type === 'date' || type === 'date_nanos') expect(Number.isNaN(Date.parse(v as string)), `${path}: ${v}`).toBe(false);
          if (type === 'long') expect(Number.isSafeInteger(v), `${path}: ${v}`).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });
});
