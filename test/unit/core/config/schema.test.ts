// The JSON Schema export (source of the Helm chart's values.schema.json) and the key catalogue.
import { describe, expect, it } from 'vitest';
import { configJsonSchema, configKeys } from '#core/config/index.ts';

interface Node {
  type?: string;
  properties?: Record<string, Node>;
  additionalProperties?: boolean;
  required?: string[];
  default?: unknown;
  items?: Node;
}

describe('configJsonSchema', () => {
  const schema = configJsonSchema() as Node & { $schema?: string };

  it('is a closed draft 2020-12 object schema with defaults', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties?.http?.properties?.port?.default).toBe(7700);
    expect(schema.properties?.query?.properties?.unavailableShards).toMatchObject({
      enum: ['partial', 'error'],
      default: 'partial',
    });
  });

  it('makes every key optional except those inside a node entry', () => {
    expect(schema.required ?? []).toEqual([]);
    expect(schema.properties?.nodes?.items?.required?.sort()).toEqual(['id', 'url']);
  });
});

describe('configKeys', () => {
  it('names environment variables from key paths', () => {
    const byPath = new Map(configKeys().map((k) => [k.path, k.env]));
    expect(byPath.get('kafka.topicPrefix')).toBe('MIROIR_KAFKA__TOPIC_PREFIX');
    expect(byPath.get('nodes[].apiKey')).toBe('MIROIR_NODES__<i>__API_KEY');
    expect(byPath.get('roles')).toBe('MIROIR_ROLES');
  });

  it('lists each key once', () => {
    const paths = configKeys().map((k) => k.path);
    expect(new Set(paths).size).toBe(paths.length);
  });
});
