// deploy:secrets -- makes (or reuses, when made for the same hosts) the cluster's secrets on this machine, in
// secrets/ beside the inventory: CA, node certificates and keys, pairwise peer keys, admin and client tokens.
// upload_node calls it. Prints where they are, never what they are.
import type { Inventory } from '../inventory.js';
import type { TaskOptions } from '../options.js';
import { deploySecretsDir, ensureDeploySecrets } from '../secrets.js';

export async function makeSecrets(inv: Inventory, opts: TaskOptions): Promise<number> {
  if (opts.insecure) {
    opts.log('--insecure: no secrets made');
    return 0;
  }
  const dir = deploySecretsDir(opts.inventory);
  // Always for every host of the inventory: secrets made for the --hosts subset would lock the others out.
  const all = opts.whole ?? inv;
  const made = ensureDeploySecrets(all, dir);
  opts.log(`${made ? 'made' : 'reusing'} secrets for ${all.hosts.length} nodes in ${dir} (CA, node certificates, pairwise keys, admin and client tokens)`);
  return 0;
}
