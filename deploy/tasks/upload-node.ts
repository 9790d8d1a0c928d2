// deploy:upload_node -- build once, pack once, then on every machine: the app bundle and the cluster.json made from
// the inventory (so every node reads the same configuration).
import { rmSync } from 'node:fs';
import { buildBundle, type Bundle } from '../bundle.js';
import { clusterWarnings, formatClusterConfig } from '../../src/protocol/cluster-config.js';
import { clusterConfigOf, type Inventory } from '../inventory.js';
import { layoutOf } from '../layout.js';
import type { TaskOptions } from '../options.js';
import { report, runOnHosts, type HostContext } from '../run-hosts.js';
import { sh } from '../shell-quote.js';
import { uploadApp } from './upload-app.js';
import { DEPLOYED_SECURITY, deploySecretsDir } from '../secrets.js';
import { makeSecrets } from './secrets.js';
import { uploadHostSecrets } from './upload-secrets.js';

/** `secretsDir` null: an --insecure cluster, no secrets uploaded. */
export async function uploadNodeOnHost(ctx: HostContext, bundle: Bundle, config: string, secretsDir: string | null): Promise<{ message: string }> {
  const app = await uploadApp(ctx, bundle);
  const l = layoutOf(ctx.host);
  ctx.progress('writing cluster.json');
  await ctx.run(sh`cat > ${l.clusterConfig}.tmp && mv ${l.clusterConfig}.tmp ${l.clusterConfig}`, config);
  const secrets = secretsDir === null ? ', INSECURE (no secrets)' : `, its ${await uploadHostSecrets(ctx, secretsDir)} secret files`;
  const nodes = (JSON.parse(config) as { nodes: unknown[] }).nodes.length;
  return { message: `${app}, cluster.json with ${nodes} nodes${secrets} in ${l.dir}` };
}

export async function uploadNode(inv: Inventory, opts: TaskOptions): Promise<number> {
  const bundle = await buildBundle({ build: opts.build, withNode: opts.withNode, log: opts.log });
  const secretsDir = deploySecretsDir(opts.inventory);
  // The configuration and the keys are the whole cluster's, whichever hosts this upload goes to.
  const all = opts.whole ?? inv;
  if (!opts.insecure) await makeSecrets(all, opts);
  const security = opts.insecure ? {} : { security: DEPLOYED_SECURITY };
  const config = formatClusterConfig({ ...clusterConfigOf(all), ...security }, 'cluster');
  for (const w of clusterWarnings(clusterConfigOf(all))) opts.log(`warning: ${w}`);
  const outcomes = await runOnHosts('upload_node', inv, (ctx) => uploadNodeOnHost(ctx, bundle, config, opts.insecure ? null : secretsDir), opts);
  rmSync(bundle.file, { force: true });
  return report('upload_node', outcomes);
}
