// Restore without a target volume: Cinder creates a new volume of the backup's size. opencbr creates a
// sparse image file under the first volume root and declares it in the inventory (which checks the path
// exactly as for an operator-declared volume). The only filesystem access of the Cinder API.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../domain/errors.js';

/** Creates `<root>/cinder-restore-<uuid>.img`, sparse, of `bytes` bytes. Returns its path. */
export async function createSparseVolumeFile(roots: string[], bytes: number): Promise<string> {
  const root = roots[0];
  if (!root) {
    throw new AppError(
      'unavailable',
      'Cannot create a volume to restore into: no volume roots are configured (set OPENCBR_VOLUME_ROOTS).',
    );
  }
  await fs.promises.mkdir(root, { recursive: true });
  const file = path.join(root, `cinder-restore-${randomUUID()}.img`);
  // 'wx': never truncate an existing file.
  const fh = await fs.promises.open(file, 'wx', 0o600);
  try {
    await fh.truncate(bytes);
  } finally {
    await fh.close();
  }
  return file;
}

/** Removes a file created above when registering it failed (best effort). */
export async function removeVolumeFile(file: string): Promise<void> {
  await fs.promises.rm(file, { force: true });
}
