// Helpers for the testbed tests: run the real CLIs as child processes (what users run), read their output.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../..', import.meta.url));

export interface CliRun {
  code: number;
  out: string;
  ms: number;
}

/** Runs `node <script> ...args` from `cwd`, bounded by `timeoutMs`; never throws on a non-zero exit. */
export function runCli(script: string, args: string[], cwd: string, timeoutMs = 120_000): Promise<CliRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(REPO, script), ...args], { cwd, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
      resolve({ code, out: `${stdout}${stderr}`, ms: Date.now() - started });
    });
  });
}

export const deploy = (task: string, args: string[], cwd: string, timeoutMs?: number): Promise<CliRun> =>
  runCli('dist/deploy/cli.js', [task, ...args], cwd, timeoutMs);

/** The node program and client CLI are built by other pieces; the end-to-end flow needs them compiled. */
export function nodeProgramMissing(): string | null {
  for (const f of ['dist/src/node/main.js', 'dist/src/client/cli.js']) {
    if (!existsSync(path.join(REPO, f))) return `${f} is not built yet`;
  }
  return null;
}

/** Host names whose row in the status table says role "leader". */
export function leadersInStatus(out: string): string[] {
  return out.split('\n').map((l) => l.trim().split(/\s+/)).filter((c) => c.length >= 6 && c[1] === 'up' && c[2] === 'leader').map((c) => c[0]);
}
