import { z } from 'zod';
import { configSchema } from './schema.js';

/** The part of JSON Schema this module reads. */
export interface JsonSchema {
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly additionalProperties?: JsonSchema | boolean;
  readonly items?: JsonSchema;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly [key: string]: unknown;
}

/**
 * JSON Schema of the config as written (durations as "2s", addresses as strings), for editors:
 * `npm run schema` writes it to docs/config.schema.json, and a test keeps that file current.
 */
export function configJsonSchema(): JsonSchema {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return {
    $schema: schema.$schema,
    title: 'tcp-loadbalancer configuration',
    description: 'The file given to `loadbalancer --config`; see docs/configuration.md.',
    ...schema,
  };
}

const alternatives = (s: JsonSchema): JsonSchema[] => [
  s,
  ...(s.anyOf ?? []).flatMap(alternatives),
  ...(s.oneOf ?? []).flatMap(alternatives),
];

/** The keys an object at `path` may have (names of records match any key), for "did you mean". */
export function knownKeysAt(schema: JsonSchema, path: readonly (string | number)[]): string[] {
  let nodes = [schema];
  for (const seg of path) {
    nodes = nodes.flatMap(alternatives).flatMap((n) => {
      if (typeof seg === 'number') return n.items ? [n.items] : [];
      const prop = n.properties?.[seg];
      if (prop) return [prop];
      return typeof n.additionalProperties === 'object' ? [n.additionalProperties] : [];
    });
  }
  return [...new Set(nodes.flatMap(alternatives).flatMap((n) => Object.keys(n.properties ?? {})))];
}
