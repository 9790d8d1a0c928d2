// Command line of `node dist/deploy/cli.js TASK [options]` (the deploy:* npm scripts), read by src/util/cli-args.ts.
// Pure, so it is testable.
import { CliUsageError, defineCli, parseCli } from '../src/util/cli-args.js';
import { decimal, flag, text } from '../src/util/cli-options.js';

export const TASKS = [
  'secrets', 'rotate_secrets', 'upload_node', 'upload_client', 'saveip', 'start', 'stop', 'status', 'clean', 'logs', 'get_raftlog', 'add_host', 'remove_host',
] as const;
export type TaskName = (typeof TASKS)[number];

const TASK_HELP: Record<TaskName, string> = {
  secrets: 'make (or reuse) the cluster\'s secrets in secrets/ beside the inventory: CA, node keys, peer keys, tokens',
  rotate_secrets: 'new secrets rolled in one host at a time, without losing the quorum',
  upload_node: 'build, pack and upload the app and cluster.json (and secrets) to every machine',
  upload_client: 'the client on every machine: the app bundle, cluster.json and <dir>/run_client',
  saveip: 'write each machine\'s address file (its node id) and read it back',
  start: 'start each node in the background and wait for its READY line',
  stop: 'SIGTERM each node, SIGKILL after 10 s',
  status: 'a table: host, up/down, role, term, commit index, raftlog lines; names the leader',
  clean: 'remove the nodes\' data (refused while a node runs)',
  logs: 'fetch node.log and node.out into logs/<host>/',
  get_raftlog: 'fetch each raftlog into raftlog/<host>/ and check they are prefixes of one history',
  add_host: 'with --hosts: upload, saveip, wipe its data, start it with --join and member add it (learner, then voter), one host at a time',
  remove_host: 'with --hosts: member remove it (the leader too), then stop it, one host at a time',
};

export interface DeployArgs {
  task: TaskName;
  inventory: string;
  /** Only these hosts (by name); all when empty. */
  only: string[];
  connectTimeoutMs: number;
  hostTimeoutMs: number;
  build: boolean;
  withNode: boolean;
  outDir?: string;
  insecure: boolean;
}

const seconds = (help: string, dflt: number) => decimal(help, { min: 0.001, max: 86_400, default: dflt, placeholder: 'S' });

const OPTIONS = {
  inventory: text('the hosts; the secrets are in secrets/ beside it', { placeholder: 'FILE', default: 'inventory.json' }),
  hosts: text('only these hosts (by name)', { placeholder: 'h1,h2' }),
  'connect-timeout': seconds('SSH connection timeout', 10),
  'host-timeout': seconds('per host, whole task', 300),
  'no-build': flag('upload_*: ship dist/ without running tsc'),
  'with-node': flag('upload_*: ship this machine\'s node binary too'),
  out: text('get_raftlog and logs: where the files go', { placeholder: 'DIR', defaultText: 'raftlog/ or logs/' }),
  insecure: flag('upload_node, start: no TLS, no credentials, no peer authentication; nodes warn at start'),
};

/** The command line of one task (`npm run deploy:TASK`), or of them all. */
export function deployCli(task?: TaskName) {
  return defineCli({
    program: task ? programOf(task) : 'deploy',
    usage: task ? `npm run ${programOf(task)} -- [options]` : 'node dist/deploy/cli.js TASK [options]   (npm run deploy:TASK -- [options])',
    summary: task ? `${TASK_HELP[task][0].toUpperCase()}${TASK_HELP[task].slice(1)}.` : 'Runs one task over the hosts of the inventory.',
    commands: task ? undefined : TASKS.map((t) => ({ name: t, help: TASK_HELP[t] })),
    options: OPTIONS,
  });
}

/** The npm script users run the task by: `deploy:TASK` (get_raftlog keeps the ancestor's bare name). */
const programOf = (task: TaskName): string => (task === 'get_raftlog' ? task : `deploy:${task}`);

/** The task's program name for messages ("deploy" when there is no valid task). */
export function deployProgram(argv: readonly string[]): string {
  return (TASKS as readonly string[]).includes(argv[0] ?? '') ? programOf(argv[0] as TaskName) : 'deploy';
}

/** null for --help or `help` (cli.ts prints the usage); throws CliUsageError for anything wrong. */
export function parseDeployArgs(argv: readonly string[]): DeployArgs | null {
  const [task, ...rest] = argv;
  if (task === undefined) throw new CliUsageError('no task given');
  if (task === 'help' || task === '--help' || task === '-h') return null;
  if (!(TASKS as readonly string[]).includes(task)) throw new CliUsageError(`unknown task '${task.slice(0, 60).replace(/[^\x20-\x7e]/g, '?')}'`);
  const r = parseCli(deployCli(task as TaskName), rest);
  if (r.help) return null;
  const v = r.values;
  return {
    task: task as TaskName,
    inventory: v.inventory,
    only: (v.hosts ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''),
    connectTimeoutMs: Math.round(v['connect-timeout'] * 1000),
    hostTimeoutMs: Math.round(v['host-timeout'] * 1000),
    build: !v['no-build'],
    withNode: v['with-node'],
    outDir: v.out,
    insecure: v.insecure,
  };
}
