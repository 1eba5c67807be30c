import assert from 'node:assert/strict';
import { test } from 'node:test';
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
