// Shared by get_raftlog and logs: fetch one remote file per host into <outDir>/<host>/<name> over sftp.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { HostContext } from '../run-hosts.js';
import { sh } from '../shell-quote.js';

export async function downloadFile(ctx: HostContext, remote: string, outDir: string, name: string): Promise<{ local: string; bytes: number }> {
  const size = await ctx.tryRun(sh`stat -c %s ${remote}`);
  if (size.code !== 0) throw new Error(`no ${remote} on the machine`);
  const dir = path.join(outDir, ctx.host.name);
  mkdirSync(dir, { recursive: true });
  const local = path.join(dir, name);
  ctx.progress(`downloading ${remote}`);
  await ctx.ssh.getFile(local, remote);
  return { local, bytes: Number(size.stdout.trim()) };
}
