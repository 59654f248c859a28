#!/usr/bin/env node
// The Elasticsearch / OpenSearch index template for mailwire's event lines, made from their JSON
// Schema (docs/schema/events.schema.json): `node scripts/es-template.mjs` (npm run docs:es-template)
// writes docs/schema/elasticsearch-template.json; test/report/events/es-template.test.ts checks it
// is current and that each mapping type fits the schema's type. Loading it: docs/events.md.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The mapping of one schema property: its x-elasticsearch type, else by JSON type (lists by their items). */
export function mappingOf(prop) {
  if (prop['x-elasticsearch']) return { type: prop['x-elasticsearch'] };
  const type = prop.type === 'array' ? prop.items.type : prop.type;
  return { type: { string: 'keyword', integer: 'long', number: 'double', boolean: 'boolean' }[type] };
}

/** The composable index template (Elasticsearch 7.8+, OpenSearch 1.0+) for indices mailwire-*. */
export function esTemplate(schema) {
  const root = {};
  for (const [path, prop] of Object.entries(schema.properties)) {
    // Dotted names become nested objects, as Elasticsearch reads `source.ip` in a document.
    const parts = path.split('.');
    let node = root;
    for (const part of parts.slice(0, -1)) {
      node[part] ??= { properties: {} };
      node = node[part].properties;
    }
    node[parts[parts.length - 1]] = mappingOf(prop);
  }
  return {
    index_patterns: ['mailwire-*'],
    priority: 200,
    _meta: { description: 'mailwire event lines, schema version 2 (generated from docs/schema/events.schema.json)', 'mailwire.schema_version': 2 },
    template: {
      settings: { 'index.mapping.total_fields.limit': 2000 },
      // Fields a later mailwire adds are kept in _source but not indexed until the template is updated.
      mappings: { dynamic: false, properties: root },
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const schema = JSON.parse(readFileSync(new URL('../docs/schema/events.schema.json', import.meta.url), 'utf8'));
  const target = new URL('../docs/schema/elasticsearch-template.json', import.meta.url);
  writeFileSync(target, JSON.stringify(esTemplate(schema), null, 2) + '\n');
  console.log(`wrote ${fileURLToPath(target)}`);
}
