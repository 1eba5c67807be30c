import assert from 'node:assert/strict';
import { test } from 'node:test';

test('the toolchain compiles and runs node:test', () => {
  assert.equal(typeof process.versions.node, 'string');
});
