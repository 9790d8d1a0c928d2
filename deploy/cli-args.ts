// Command line of `node dist/deploy/cli.js TASK [options]` (the deploy:* npm scripts). Pure, so it is testable.
export const TASKS = ['secrets', 'rotate_secrets', 'upload_node', 'upload_client', 'saveip', 'start', 'stop', 'status', 'clean', 'logs', 'get_raftlog'] as const;
export type TaskName = (typeof TASKS)[number];

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

export const DEPLOY_USAGE = `usage: node dist/deploy/cli.js TASK [options]   (npm run deploy:TASK -- [options])
tasks: ${TASKS.join(', ')}
options: --inventory FILE (default ./inventory.json)  --hosts h1,h2 (only these)
         --connect-timeout S (default 10)  --host-timeout S (default 300, per host, whole task)
         --no-build (upload_*: ship dist/ without running tsc)  --with-node (upload_*: ship this node binary)
         --out DIR (get_raftlog: default raftlog/; logs: default logs/)
         --insecure (upload_node, start: no TLS, no credentials, no peer authentication; nodes warn at start)`;

export class DeployUsageError extends Error {}

function seconds(flag: string, v: string | undefined): number {
  const n = Number(v);
  if (v === undefined || !Number.isFinite(n) || n <= 0) throw new DeployUsageError(`${flag} needs a number of seconds, got '${v ?? ''}'`);
  return Math.round(n * 1000);
}

export function parseDeployArgs(argv: string[]): DeployArgs {
  const [task, ...rest] = argv;
  if (task === undefined || !(TASKS as readonly string[]).includes(task)) {
    throw new DeployUsageError(task === undefined ? 'no task given' : `unknown task '${task}'`);
  }
  const out: DeployArgs = { task: task as TaskName, inventory: 'inventory.json', only: [], connectTimeoutMs: 10_000,
    hostTimeoutMs: 300_000, build: true, withNode: false, insecure: false };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const value = (): string => {
      const v = rest[++i];
      if (v === undefined) throw new DeployUsageError(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--inventory': out.inventory = value(); break;
      case '--hosts': out.only = value().split(',').map((s) => s.trim()).filter((s) => s !== ''); break;
      case '--connect-timeout': out.connectTimeoutMs = seconds(a, value()); break;
      case '--host-timeout': out.hostTimeoutMs = seconds(a, value()); break;
      case '--no-build': out.build = false; break;
      case '--with-node': out.withNode = true; break;
      case '--out': out.outDir = value(); break;
      case '--insecure': out.insecure = true; break;
      default: throw new DeployUsageError(`unknown option '${a}'`);
    }
  }
  return out;
}
