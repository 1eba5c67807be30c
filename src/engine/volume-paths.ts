// The inventory's filesystem port: resolving and sizing declared device paths, and creating the sparse image
// files that a restore into a new volume needs. The domain (src/domain/inventory.ts) only sees the interface.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { PathProbe } from '../domain/inventory.js';

export const fsPathProbe: PathProbe = {
  realpath: (p) => fs.promises.realpath(p),
  async stat(p) {
    const st = await fs.promises.stat(p);
    if (st.isFile()) return { kind: 'file', size: st.size };
    if (st.isBlockDevice()) return { kind: 'block', size: await blockDeviceSize(p) };
    return { kind: 'other', size: 0 };
  },
  async createSparseFile(dir, prefix, bytes) {
    await fs.promises.mkdir(dir, { recursive: true });
    const file = path.join(dir, `${prefix}-${randomUUID()}.img`);
    // 'wx': never truncate an existing file.
    const fh = await fs.promises.open(file, 'wx', 0o600);
    try {
      await fh.truncate(bytes);
    } finally {
      await fh.close();
    }
    return file;
  },
  remove: (p) => fs.promises.rm(p, { force: true }),
};

/** stat() reports 0 for block devices; Linux gives the size in 512-byte sectors in sysfs. */
async function blockDeviceSize(p: string): Promise<number> {
  try {
    const text = await fs.promises.readFile(`/sys/class/block/${path.basename(p)}/size`, 'utf8');
    return Number(text.trim()) * 512;
  } catch {
    return 0;
  }
}
