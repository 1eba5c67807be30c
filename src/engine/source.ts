import { constants, readFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { SourceError, TargetError } from './errors.js';

export interface Volume {
  fh: fsp.FileHandle;
  size: number;
  isBlockDevice: boolean;
  /** Restore targets: the file held nothing before the restore, so ranges left unwritten read as zeros. */
  fresh?: boolean;
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
 * Opens a restore target without ever cutting it below the backup's size: a crash (kill -9, power loss) in the
 * middle of a restore must leave a target the restore can simply run on again (the service refuses a disk
 * smaller than the backup). A regular file is created if absent and grown to the backup's size; a larger one is
 * cut to the backup's size, or with `preserveLargerTarget` keeps its length with the tail beyond the backup
 * zeroed. `fresh`: the file held nothing before (new or empty), so zero chunks may stay holes.
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
      return { fh, size: devSize, isBlockDevice: true, fresh: false, direct: await openDirect(path) };
    }
    if (st && !st.isFile()) throw new TargetError(`${path} is neither a regular file nor a block device`);
    const fh = await fsp.open(path, constants.O_RDWR | constants.O_CREAT, 0o600);
    const before = (await fh.stat()).size;
    const fileSize = preserveLargerTarget ? Math.max(size, before) : size;
    if (before > size) {
      // Cutting to the backup's size and growing back zeroes the tail; never below the backup's size.
      await fh.truncate(size);
      if (fileSize > size) await fh.truncate(fileSize);
    } else if (before < size) {
      await fh.truncate(size);
    }
    return { fh, size: fileSize, isBlockDevice: false, fresh: before === 0, direct: await openDirect(path) };
  } catch (e) {
    if (e instanceof TargetError) throw e;
    throw new TargetError(`cannot open restore target ${path}: ${(e as Error).message}`, { cause: e });
  }
}
