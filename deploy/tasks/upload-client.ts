// deploy:upload_client -- the client on every machine (as the ancestor's fab upload_client): the same app bundle,
// cluster.json, and <dir>/run_client, a wrapper that runs the client CLI against this cluster.
import { rmSync } from 'node:fs';
import { buildBundle, type Bundle } from '../bundle.js';
import { clusterConfigOf, type Inventory } from '../inventory.js';
import { layoutOf, nodeBinSnippet } from '../layout.js';
import type { TaskOptions } from '../options.js';
import { report, runOnHosts, type HostContext } from '../run-hosts.js';
import { q, sh } from '../shell-quote.js';
import { uploadApp } from './upload-app.js';
import { DEPLOYED_SECURITY, deploySecretsDir } from '../secrets.js';
import { readClusterCredentials } from '../../src/security/cluster-secrets.js';
import { formatClusterConfig } from '../../src/protocol/cluster-config.js';

/** `secretsDir` null: an --insecure cluster, no credentials uploaded. */
export async function uploadClientOnHost(ctx: HostContext, bundle: Bundle, config: string, secretsDir: string | null): Promise<{ message: string }> {
  const app = await uploadApp(ctx, bundle);
  const l = layoutOf(ctx.host);
  // The client token and the CA (never the admin token): the machine's run_client can add, read and ask status.
  const secrets = secretsDir === null ? '' : sh` --secrets ${l.clientSecrets}`;
  if (secretsDir !== null) {
    const c = readClusterCredentials(secretsDir);
    if (c.clientToken === undefined || c.ca === undefined) throw new Error(`no client token or CA in ${secretsDir}: run deploy:upload_node first`);
    await ctx.run(sh`umask 077 && mkdir -p ${l.clientSecrets} && chmod 700 ${l.clientSecrets} && cat > ${l.clientSecrets}/client.token`, `${c.clientToken}\n`);
    await ctx.run(sh`umask 077 && cat > ${l.clientSecrets}/ca.pem`, c.ca);
  }
  const script = ['#!/bin/sh', '# Written by deploy:upload_client: the raft-xmlrpc client against this cluster.',
    nodeBinSnippet(l, q), sh`exec "$NODE" ${l.app}/dist/src/client/cli.js --config ${l.clusterConfig}` + secrets + ' "$@"', ''].join('\n');
  await ctx.run(sh`cat > ${l.clusterConfig}.tmp && mv ${l.clusterConfig}.tmp ${l.clusterConfig}`, config);
  await ctx.run(sh`cat > ${l.clientScript} && chmod 755 ${l.clientScript}`, script);
  return { message: `${app}, client at ${l.clientScript}` };
}

export async function uploadClient(inv: Inventory, opts: TaskOptions): Promise<number> {
  const bundle = await buildBundle({ build: opts.build, withNode: opts.withNode, log: opts.log });
  const secretsDir = deploySecretsDir(opts.inventory);
  const security = opts.insecure ? {} : { security: DEPLOYED_SECURITY };
  const config = formatClusterConfig({ ...clusterConfigOf(inv), ...security }, 'cluster');
  const outcomes = await runOnHosts('upload_client', inv, (ctx) => uploadClientOnHost(ctx, bundle, config, opts.insecure ? null : secretsDir), opts);
  rmSync(bundle.file, { force: true });
  return report('upload_client', outcomes);
}
