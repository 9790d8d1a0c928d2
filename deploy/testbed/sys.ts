// Running local system commands for the testbed (ip, ssh-keygen, nft). Synchronous: each is quick, and setup order
// matters more than parallelism here. Failures carry the command and its stderr.
import { spawnSync } from 'node:child_process';

export class TestbedError extends Error {}

export function sys(cmd: string, args: string[], opts: { input?: string; allowFail?: boolean } = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { input: opts.input, encoding: 'utf8', timeout: 30_000 });
  const res = { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error.message) : '') };
  if (res.code !== 0 && !opts.allowFail) {
    throw new TestbedError(`${cmd} ${args.join(' ')} failed (exit ${res.code}): ${res.stderr.trim().split('\n').slice(-1)[0] ?? ''}`);
  }
  return res;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `done` every 100 ms until true or `ms` elapsed; returns whether it became true. */
export async function waitFor(done: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (await done()) return true;
    if (Date.now() >= until) return false;
    await sleep(100);
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
