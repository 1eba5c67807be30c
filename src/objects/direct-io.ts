import { randomBytes } from 'node:crypto';
import { constants, closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const PAGE = 4096;

/**
 * JavaScript cannot see an ArrayBuffer's address, and O_DIRECT needs page-aligned memory. The kernel tells: an
 * O_DIRECT write of one page succeeds only from an aligned address. Tries each 16-byte offset once (a probe file
 * in `dir`) and returns the offset of the first page-aligned byte of `sab`, or -1 when `dir`'s filesystem has no
 * O_DIRECT (callers then write buffered). `sab` must have at least one spare page.
 */
export function findPageAlignment(sab: SharedArrayBuffer, dir: string): number {
  if (!constants.O_DIRECT || process.env.OPENCBR_NO_DIRECT_IO) return -1;
  const path = join(dir, `.direct-probe-${process.pid}-${randomBytes(4).toString('hex')}`);
  let fd: number;
  try {
    mkdirSync(dir, { recursive: true });
    fd = openSync(path, constants.O_CREAT | constants.O_WRONLY | constants.O_DIRECT, 0o600);
  } catch {
    return -1;
  }
  try {
    for (let off = 0; off < PAGE; off += 16) {
      try {
        writeSync(fd, Buffer.from(sab, off, PAGE), 0, PAGE, 0);
        return off;
      } catch {}
    }
    return -1;
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
}

/** A few page-aligned buffers for O_DIRECT writes; `take` returns null when all are in use or unsupported. */
export class AlignedBuffers {
  private readonly free: Buffer[] = [];

  constructor(
    dir: string,
    readonly size: number,
    count: number,
  ) {
    const sab = new SharedArrayBuffer(size * count + PAGE);
    const align = findPageAlignment(sab, dir);
    if (align < 0) return;
    for (let i = 0; i < count; i++) this.free.push(Buffer.from(sab, align + i * size, size));
  }

  take(): Buffer | null {
    return this.free.pop() ?? null;
  }

  give(b: Buffer): void {
    this.free.push(b);
  }
}
