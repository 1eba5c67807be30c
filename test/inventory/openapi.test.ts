import assert from 'node:assert/strict';
import { test } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { type J, startPlatform } from '../iam/helpers.js';

test('the OpenAPI document is generated from the route schemas', async () => {
  const p = await startPlatform();
  try {
    const r = await p.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(r.statusCode, 200);
    const doc = r.json() as J;
    assert.match(doc.openapi, /^3\./);
    for (const path of [
      '/identity/v3/auth/tokens',
      '/v3/auth/tokens',
      '/v3/auth/projects',
      '/opencbr/v1/{project_id}/volumes',
      '/opencbr/v1/{project_id}/volumes/{id}',
      '/opencbr/v1/{project_id}/servers',
    ]) {
      assert.ok(doc.paths[path], `missing ${path}`);
    }
    const create = doc.paths['/opencbr/v1/{project_id}/volumes'].post;
    const schema = create.requestBody.content['application/json'].schema;
    assert.deepEqual(schema.properties.volume.required.sort(), ['name', 'path']);
    assert.ok(create.responses['200'] && create.responses['401'] && create.responses['403']);
  } finally {
    await p.close();
  }
});

test('the OpenAPI document is valid OpenAPI 3.0 and lists only real parameters', async () => {
  const p = await startPlatform();
  try {
    const doc = (await p.app.inject({ method: 'GET', url: '/openapi.json' })).json() as J;
    // The validator resolves $refs in place: it gets a copy.
    await SwaggerParser.validate(structuredClone(doc));
    let operations = 0;
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, J>>)) {
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      for (const [method, op] of Object.entries(item)) {
        operations++;
        const params = (op.parameters ?? []) as Array<{ in: string; name: string }>;
        const where = `${method.toUpperCase()} ${path}`;
        assert.deepEqual(
          params
            .filter((x) => x.in === 'path')
            .map((x) => x.name)
            .sort(),
          inPath,
          where,
        );
        for (const q of params.filter((x) => x.in === 'query')) {
          assert.ok(
            !['type', 'additionalProperties', 'patternProperties'].includes(q.name),
            `${where}: ${q.name}`,
          );
        }
      }
    }
    assert.ok(operations > 80, `${operations} operations`);
  } finally {
    await p.close();
  }
});
