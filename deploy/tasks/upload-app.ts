// Shared step of upload_node and upload_client: put the bundle on the machine and unpack it into <dir>/app, skipping
// the transfer when the same bundle (by sha256) is already there. Also checks the machine can run it (Node >= 20).
import type { Bundle } from '../bundle.js';
import { layoutOf, nodeBinSnippet } from '../layout.js';
import type { HostContext } from '../run-hosts.js';
import { q, sh } from '../shell-quote.js';

export async function uploadApp(ctx: HostContext, bundle: Bundle): Promise<string> {
  const l = layoutOf(ctx.host);
  const stamp = `${l.app}/.bundle-sha256`;
  await ctx.run(sh`mkdir -p ${l.dir}/bin ${l.data}`);
  const current = await ctx.tryRun(sh`cat ${stamp}` + ' 2>/dev/null');
  let what: string;
  if (current.stdout.trim() === bundle.sha256) {
    what = 'app unchanged';
  } else {
    ctx.progress(`uploading bundle (${(bundle.bytes / 1e6).toFixed(1)} MB)`);
    const remoteTgz = `${l.dir}/.bundle.tgz`;
    await ctx.ssh.putFile(bundle.file, remoteTgz);
    ctx.progress('unpacking');
    // Unpack beside the old app and swap, so an interrupted upload never leaves a half-written app in place.
    await ctx.run(
      sh`rm -rf ${l.app}.new && mkdir ${l.app}.new && tar -xzf ${remoteTgz} -C ${l.app}.new && ` +
        sh`printf '%s\n' ${bundle.sha256} > ${l.app}.new/.bundle-sha256 && rm -rf ${l.app} && mv ${l.app}.new ${l.app} && rm -f ${remoteTgz}`,
    );
    what = 'app uploaded';
  }
  if (bundle.nodeBinary !== null) {
    ctx.progress('uploading node binary');
    await ctx.ssh.putFile(bundle.nodeBinary, `${l.nodeBin}.new`);
    await ctx.run(sh`chmod 755 ${l.nodeBin}.new && mv ${l.nodeBin}.new ${l.nodeBin}`);
    what += ', node binary shipped';
  }
  const check = await ctx.tryRun(
    `${nodeBinSnippet(l, q)}; "$NODE" -e 'const v=+process.versions.node.split(".")[0]; console.log(process.version); process.exit(v>=20?0:3)'`,
  );
  if (check.code !== 0) {
    throw new Error(`no Node >= 20 on the machine (${(check.stdout + check.stderr).trim() || 'node not found'}): install it or pass --with-node`);
  }
  return `${what}, node ${check.stdout.trim()}`;
}
