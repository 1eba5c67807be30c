// The one piece of inventory that touches the filesystem: resolving and sizing a declared device path.
import fs from 'node:fs';
import path from 'node:path';
import type { PathProbe } from './inventory.js';

export const fsPathProbe: PathProbe = {
  realpath: (p) => fs.promises.realpath(p),
  async stat(p) {
    const st = await fs.promises.stat(p);
    if (st.isFile()) return { kind: 'file', size: st.size };
    if (st.isBlockDevice()) return { kind: 'block', size: await blockDeviceSize(p) };
    return { kind: 'other', size: 0 };
  },
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
