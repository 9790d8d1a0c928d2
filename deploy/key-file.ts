// The private key file named in the inventory. OpenSSH refuses a key that group or others can read or write
// ("UNPROTECTED PRIVATE KEY FILE"): someone else may have copied it, or may swap it. We refuse it too, in one line,
// before connecting, instead of quietly using what ssh itself would not.
import { statSync } from 'node:fs';
import { q } from './shell-quote.js';

/** Null when `file` is fit to use as a private key, else the one-line reason. */
export function privateKeyProblem(file: string): string | null {
  let mode: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) return `key file ${file} is not a regular file`;
    mode = st.mode & 0o777;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `key file ${file} does not exist` : `cannot read key file ${file} (${code ?? String(err)})`;
  }
  if ((mode & 0o077) !== 0) {
    return `key file ${file} is accessible by group or others (mode ${mode.toString(8).padStart(4, '0')}); ` +
      `ssh refuses such keys too: chmod 600 ${q(file)}`;
  }
  return null;
}
