// Puts one host's own secrets into <dir>/secrets on it: folder 0700, files 0600 (umask 077 from the start, so no
// moment where they are readable), written beside the old folder and swapped in, so a node never reads half a set.
import { layoutOf } from '../layout.js';
import type { HostContext } from '../run-hosts.js';
import { hostSecretFiles } from '../secrets.js';
import { sh } from '../shell-quote.js';

export async function uploadHostSecrets(ctx: HostContext, secretsDir: string): Promise<number> {
  const l = layoutOf(ctx.host);
  const files = hostSecretFiles(secretsDir, ctx.host);
  const next = `${l.secrets}.new`;
  ctx.progress('uploading its secrets');
  await ctx.run(sh`umask 077 && rm -rf ${next} && mkdir -p ${next}`);
  for (const f of files) await ctx.run(sh`umask 077 && cat > ${next}/${f.name}`, f.content);
  await ctx.run(
    sh`chmod 700 ${next} && chmod 600 ${next}/* && rm -rf ${l.secrets}.old && ` +
      sh`{ [ ! -d ${l.secrets} ] || mv ${l.secrets} ${l.secrets}.old; } && mv ${next} ${l.secrets} && rm -rf ${l.secrets}.old`,
  );
  return files.length;
}
