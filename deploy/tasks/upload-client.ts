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

export async function uploadClientOnHost(ctx: HostContext, bundle: Bundle, config: string): Promise<{ message: string }> {
  const app = await uploadApp(ctx, bundle);
  const l = layoutOf(ctx.host);
  const script = ['#!/bin/sh', '# Written by deploy:upload_client: the raft-xmlrpc client against this cluster.',
    nodeBinSnippet(l, q), sh`exec "$NODE" ${l.app}/dist/src/client/cli.js --config ${l.clusterConfig} "$@"`, ''].join('\n');
  await ctx.run(sh`cat > ${l.clusterConfig}.tmp && mv ${l.clusterConfig}.tmp ${l.clusterConfig}`, config);
  await ctx.run(sh`cat > ${l.clientScript} && chmod 755 ${l.clientScript}`, script);
  return { message: `${app}, client at ${l.clientScript}` };
}

export async function uploadClient(inv: Inventory, opts: TaskOptions): Promise<number> {
  const bundle = await buildBundle({ build: opts.build, withNode: opts.withNode, log: opts.log });
  const config = JSON.stringify(clusterConfigOf(inv), null, 2) + '\n';
  const outcomes = await runOnHosts('upload_client', inv, (ctx) => uploadClientOnHost(ctx, bundle, config), opts);
  rmSync(bundle.file, { force: true });
  return report('upload_client', outcomes);
}
