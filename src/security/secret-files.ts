// Writing and checking secret files: a folder 0700, files 0600, written whole (temp file + rename) so that a crash
// never leaves half a key, and refused when others may read them (as ssh refuses a world-readable private key).
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A problem with secret files that the operator must fix; the node prints it on one line and exits 2. */
export class SecretsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretsError';
  }
}

export function makeSecretDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

export function writeSecretFile(dir: string, name: string, content: string | Buffer): void {
  const file = join(dir, name);
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** Reads a secret file; refuses one that is missing, too large, or readable by group or others. */
export function readSecretFile(file: string, maxBytes = 64 * 1024): string {
  let st;
  try {
    st = statSync(file);
  } catch (err) {
    throw new SecretsError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (!st.isFile()) throw new SecretsError(`${file} is not a regular file`);
  if ((st.mode & 0o077) !== 0) {
    throw new SecretsError(`${file} is readable by others (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`);
  }
  if (st.size > maxBytes) throw new SecretsError(`${file} is larger than ${maxBytes} bytes`);
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new SecretsError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
