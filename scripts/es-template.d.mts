/** Types of scripts/es-template.mjs for the tests. */
export function mappingOf(prop: Record<string, unknown>): { type: string };
export function esTemplate(schema: { properties: Record<string, Record<string, unknown>> }): {
  index_patterns: string[];
  template: { mappings: { dynamic: boolean; properties: Record<string, unknown> } };
};
