import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { startPlatform, tempDir } from '../iam/helpers.js';

/** Attaches a loop device when the machine allows it (root, loop devices); null otherwise. */
function attachLoop(file: string): string | null {
  try {
    return execFileSync('losetup', ['-f', '--show', file], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

test('a block device is declared with its real size', async (t) => {
  const dir = tempDir('opencbr-blk-');
  const image = path.join(dir, 'backing.img');
  fs.writeFileSync(image, Buffer.alloc(3 * 1024 * 1024));
  const dev = attachLoop(image);
  if (!dev) {
    t.skip('loop devices are not available here');
    return;
  }
  const p = await startPlatform({ dir, env: { OPENCBR_VOLUME_ROOTS: `${path.join(dir, 'volumes')}:/dev` } });
  try {
    const project = await p.ctx.identity.getProject({ name: 'admin' });
    const v = await p.ctx.inventory.createVolume(project.id, { name: 'blk', path: dev });
    assert.equal(v.kind, 'block');
    assert.equal(v.size, 3 * 1024 * 1024);
    assert.equal(v.path, fs.realpathSync(dev));
    // A symlink in a volume root that points at the device leaves the root: refused.
    fs.symlinkSync(dev, path.join(p.volumeRoot, 'dev-link'));
    const p2 = await startPlatform({ env: {} });
    try {
      fs.symlinkSync(dev, path.join(p2.volumeRoot, 'dev-link'));
      const project2 = await p2.ctx.identity.getProject({ name: 'admin' });
      await assert.rejects(
        p2.ctx.inventory.createVolume(project2.id, { name: 'x', path: path.join(p2.volumeRoot, 'dev-link') }),
        /outside the volume roots/,
      );
    } finally {
      await p2.close();
    }
  } finally {
    await p.close();
    execFileSync('losetup', ['-d', dev]);
  }
});
