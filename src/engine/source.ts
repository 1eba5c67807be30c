import { constants, readFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { SourceError, TargetError } from './errors.js';

export interface Volume {
  fh: fsp.FileHandle;
  size: number;
  isBlockDevice: boolean;
  /** Restore targets: a second handle opened O_DIRECT for page-aligned writes, when the filesystem allows it. */
  direct?: fsp.FileHandle;
}

/** O_DIRECT handle for restore writes: no page-cache copy, no dirty-page writeback later. Null if unsupported. */
async function openDirect(path: string): Promise<fsp.FileHandle | undefined> {
  const O_DIRECT = constants.O_DIRECT;
  if (!O_DIRECT || process.env.OPENCBR_NO_DIRECT_IO) return undefined;
  try {
    return await fsp.open(path, constants.O_WRONLY | O_DIRECT);
  } catch {
    return undefined;
  }
}

function blockDeviceSize(rdev: number): number {
  const major = Number((BigInt(rdev) >> 8n) & 0xfffn);
  const minor = Number((BigInt(rdev) & 0xffn) | ((BigInt(rdev) >> 12n) & 0xfff00n));
  const sectors = readFileSync(`/sys/dev/block/${major}:${minor}/size`, 'utf8');
  return Number(sectors.trim()) * 512;
}

/** Opens a volume (regular file or block device) for reading and finds its size. */
export async function openSource(path: string): Promise<Volume> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(path, 'r');
  } catch (e) {
    throw new SourceError(`cannot open volume ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const st = await fh.stat();
    if (st.isFile()) return { fh, size: st.size, isBlockDevice: false };
    if (st.isBlockDevice()) return { fh, size: blockDeviceSize(st.rdev), isBlockDevice: true };
    throw new SourceError(`${path} is neither a regular file nor a block device`);
  } catch (e) {
    await fh.close();
    if (e instanceof SourceError) throw e;
    throw new SourceError(`cannot stat volume ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Opens a restore target: a regular file is (re)created empty and sized, so unwritten ranges are holes. With
 * `preserveLargerTarget`, an existing larger file keeps its length (emptied first, so the tail reads as zeros).
 */
export async function openTarget(path: string, size: number, preserveLargerTarget = false): Promise<Volume> {
  let st: import('node:fs').Stats | null = null;
  try {
    st = await fsp.stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new TargetError(`cannot stat ${path}: ${(e as Error).message}`);
  }
  try {
    if (st?.isBlockDevice()) {
      const fh = await fsp.open(path, 'r+');
      const devSize = blockDeviceSize(st.rdev);
      if (devSize < size) {
        await fh.close();
        throw new TargetError(`block device ${path} holds ${devSize} bytes, the backup needs ${size}`);
      }
      return { fh, size: devSize, isBlockDevice: true, direct: await openDirect(path) };
    }
    if (st && !st.isFile()) throw new TargetError(`${path} is neither a regular file nor a block device`);
    const fileSize = preserveLargerTarget && st ? Math.max(size, st.size) : size;
    const fh = await fsp.open(path, 'w', 0o600); // truncates to 0: nothing of the old content survives
    await fh.truncate(fileSize);
    return { fh, size: fileSize, isBlockDevice: false, direct: await openDirect(path) };
  } catch (e) {
    if (e instanceof TargetError) throw e;
    throw new TargetError(`cannot open restore target ${path}: ${(e as Error).message}`, { cause: e });
  }
}
