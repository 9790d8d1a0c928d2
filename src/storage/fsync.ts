// fsync helpers. Data files use fdatasync (the size is included; mtime is not worth a journal write). Directories
// are fsynced after a file is created, renamed or removed in them, or the new name may vanish in a power cut.
import { closeSync, fdatasync, fsync, fsyncSync, openSync } from 'node:fs';

export function fdatasyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}

export function fsyncDirAsync(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let fd: number;
    try {
      fd = openSync(dir, 'r');
    } catch (err) {
      reject(err as Error);
      return;
    }
    fsync(fd, (err) => {
      closeSync(fd);
      if (err) reject(err);
      else resolve();
    });
  });
}

export function fsyncDirSync(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
