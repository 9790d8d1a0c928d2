// deploy:rotate_secrets -- new CA, certificates, pairwise keys and tokens, rolled in without losing the quorum:
// three rolling restarts, one host at a time, each only once the cluster has a leader and the restarted node has
// caught up (src/security/rotation.ts). The new set is made in secrets.next/ first; an interrupted rotation resumes
// with it when run again. At the end it replaces secrets/ (run_client and the tasks then use the new tokens).
import { renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { clusterSecretsMatch, generateClusterSecrets, readClusterCredentials } from '../../src/security/cluster-secrets.js';
import { loadNodeSecrets, writeNodeSecrets, type NodeSecrets } from '../../src/security/node-secrets.js';
import { rotateSecrets as rollOut } from '../../src/security/rotation.js';
import { SecretsError } from '../../src/security/secret-files.js';
import type { Inventory, InventoryHost } from '../inventory.js';
import type { TaskOptions } from '../options.js';
import { report, runOnHosts } from '../run-hosts.js';
import { deploySecretsDir, deploySecretsSpec } from '../secrets.js';
import { startNodes } from './start.js';
import { stopNodes } from './stop.js';
import { uploadHostSecrets } from './upload-secrets.js';

export async function rotateSecrets(inv: Inventory, opts: TaskOptions): Promise<number> {
  if (opts.insecure) throw new SecretsError('rotate_secrets: an --insecure cluster has no secrets to rotate');
  const dir = deploySecretsDir(opts.inventory);
  const spec = deploySecretsSpec(inv, dir);
  if (!clusterSecretsMatch(spec)) throw new SecretsError(`no secrets for these hosts in ${dir}: run deploy:upload_node first`);
  const nextDir = `${dir}.next`;
  const nextSpec = deploySecretsSpec(inv, nextDir);
  if (clusterSecretsMatch(nextSpec)) opts.log(`resuming an interrupted rotation with the new secrets in ${nextDir}`);
  else generateClusterSecrets(nextSpec);
  const members = inv.hosts.map((h) => h.node);
  const load = (s: typeof spec): Map<string, NodeSecrets> => new Map(members.map((id) => [id, loadNodeSecrets(s.nodeDir(id), id, members, true)]));
  const phaseDir = `${dir}.phase`;
  const hostOf = (id: string): InventoryHost => inv.hosts.find((h) => h.node === id)!;
  const one = (id: string): Inventory => ({ ...inv, hosts: [hostOf(id)] });

  await rollOut(
    {
      members,
      install: async (id, s) => {
        writeNodeSecrets(join(phaseDir, 'nodes', hostOf(id).name), s);
        const outcomes = await runOnHosts('rotate_secrets', one(id), async (ctx) => ({ message: `${await uploadHostSecrets(ctx, phaseDir)} secret files` }), opts);
        if (report('rotate_secrets', outcomes) !== 0) throw new Error(`rotation stopped: uploading to ${hostOf(id).name} failed`);
      },
      restart: async (id) => {
        if ((await stopNodes(one(id), opts)) !== 0 || (await startNodes(one(id), opts)) !== 0) {
          throw new Error(`rotation stopped: restarting ${hostOf(id).name} failed; run deploy:rotate_secrets again to resume`);
        }
      },
      log: opts.log,
    },
    {
      oldSecrets: load(spec),
      newSecrets: load(nextSpec),
      oldCredentials: readClusterCredentials(dir),
      newCredentials: readClusterCredentials(nextDir),
    },
  );
  // Every node runs on the new set only: it becomes the cluster's; the old one is deleted.
  rmSync(`${dir}.old`, { recursive: true, force: true });
  renameSync(dir, `${dir}.old`);
  renameSync(nextDir, dir);
  rmSync(`${dir}.old`, { recursive: true, force: true });
  rmSync(phaseDir, { recursive: true, force: true });
  opts.log(`rotated: every node runs on the new secrets in ${dir}`);
  return 0;
}
