// Entry point of the deploy tasks: parse, load the inventory, run the task over the hosts, exit with its code.
import { deployCli, deployProgram, parseDeployArgs, TASKS, type TaskName } from './cli-args.js';
import { CliUsageError, formatUsage, formatUsageError } from '../src/util/cli-args.js';
import { InventoryError, loadInventory, type Inventory } from './inventory.js';
import type { TaskOptions } from './options.js';
import { cleanNodes } from './tasks/clean.js';
import { getRaftlog } from './tasks/get-raftlog.js';
import { fetchLogs } from './tasks/logs.js';
import { saveIp } from './tasks/saveip.js';
import { startNodes } from './tasks/start.js';
import { statusNodes } from './tasks/status.js';
import { stopNodes } from './tasks/stop.js';
import { uploadClient } from './tasks/upload-client.js';
import { uploadNode } from './tasks/upload-node.js';
import { makeSecrets } from './tasks/secrets.js';
import { SecretsError } from '../src/security/secret-files.js';
import { rotateSecrets } from './tasks/rotate-secrets.js';
import { addHosts, removeHosts } from './tasks/membership.js';

const TASK_RUNNERS: Record<TaskName, (inv: Inventory, opts: TaskOptions) => Promise<number>> = {
  secrets: makeSecrets,
  rotate_secrets: rotateSecrets,
  upload_node: uploadNode,
  upload_client: uploadClient,
  saveip: saveIp,
  start: startNodes,
  stop: stopNodes,
  status: statusNodes,
  clean: cleanNodes,
  logs: fetchLogs,
  get_raftlog: getRaftlog,
  add_host: addHosts,
  remove_host: removeHosts,
};

/** An option that parsed but does not fit the inventory: one line, exit 2, no usage hint. */
class DeployArgError extends Error {}

async function main(argv: string[]): Promise<number> {
  const args = parseDeployArgs(argv);
  if (args === null) {
    const task = argv[0] as TaskName;
    console.log(formatUsage(deployCli((TASKS as readonly string[]).includes(task) ? task : undefined)));
    return 0;
  }
  const whole = loadInventory(args.inventory);
  let inv = whole;
  // Growing or shrinking names its hosts: "every host" is never what is meant.
  if ((args.task === 'add_host' || args.task === 'remove_host') && args.only.length === 0) {
    throw new DeployArgError('--hosts NAME[,NAME...] is required: which hosts to add or remove');
  }
  if (args.only.length > 0) {
    const unknown = args.only.filter((n) => !inv.hosts.some((h) => h.name === n));
    if (unknown.length > 0) throw new DeployArgError(`--hosts: not in the inventory: ${unknown.join(', ')}`);
    inv = { ...inv, hosts: inv.hosts.filter((h) => args.only.includes(h.name)) };
  }
  const started = Date.now();
  const code = await TASK_RUNNERS[args.task](inv, { ...args, whole, log: (line) => console.error(`${args.task}: ${line}`) });
  console.error(`${args.task}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return code;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const e = err as Error;
    if (e instanceof CliUsageError) console.error(formatUsageError(deployProgram(process.argv.slice(2)), e.message));
    else if (e instanceof DeployArgError) console.error(`${deployProgram(process.argv.slice(2))}: ${e.message}`);
    else if (e instanceof InventoryError) console.error(e.message);
    else if (e instanceof SecretsError) console.error(`deploy: ${e.message}`);
    else console.error(`deploy: ${e?.message ?? String(err)}`);
    process.exit(2);
  },
);
