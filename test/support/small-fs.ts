// A small real filesystem to fill up: 64 MiB ext4 on a loop device (O_DIRECT writes, as on a real disk), else a
// 64 MiB tmpfs (buffered writes only). Mounting needs root; without it the caller skips, saying why.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type SmallFs = { dir: string; kind: string; unmount(): void } | { error: string };

export function mountSmallFs(prefix: string): SmallFs {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const image = `${dir}.img`;
  const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: 'pipe' });
  const unmount = () => {
    run('umount', [dir]);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(image, { force: true });
  };
  try {
    run('truncate', ['-s', '64M', image]);
    run('mkfs.ext4', ['-q', '-F', image]);
    run('mount', ['-o', 'loop', image, dir]);
    return { dir, kind: 'ext4 on a loop device', unmount };
  } catch (loopErr) {
    fs.rmSync(image, { force: true });
    try {
      run('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', dir]);
      return { dir, kind: 'tmpfs', unmount };
    } catch (e) {
      fs.rmSync(dir, { recursive: true, force: true });
      const why = (x: unknown) => String((x as { stderr?: unknown }).stderr ?? x).trim();
      return { error: `cannot mount a small filesystem: loop ext4: ${why(loopErr)}; tmpfs: ${why(e)}` };
    }
  }
}

/** Fills the filesystem holding `file` to the last byte it accepts. */
export function fillUp(file: string): void {
  const fd = fs.openSync(file, 'w');
  const block = Buffer.alloc(1024 * 1024, 1);
  try {
    for (let size = block.length; size >= 1; size = Math.floor(size / 2)) {
      for (;;) {
        try {
          fs.writeSync(fd, block, 0, size);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
          break;
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}
