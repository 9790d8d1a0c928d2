// `npm run dashboard -- [--nodes HOST:PORT,... | --config CLUSTER.json | --inventory INVENTORY.json] [--port P]
// [--listen HOST]`: serves the live dashboard for a running cluster (targets chosen as run_client chooses them:
// src/client/targets.ts). Kill and restart are hidden: this process does not own the nodes.
import { pathToFileURL } from 'node:url';
import type { TargetSource } from '../client/cli-args.js';
import { parseTargetFlag, resolveTargets, TargetError } from '../client/targets.js';
import { startDashboard } from './server.js';
import { findCredentials } from '../security/client-credentials.js';

const USAGE =
  'usage: npm run dashboard -- [--nodes HOST:PORT,... | --config CLUSTER.json | --inventory INVENTORY.json] [--port 0] [--listen 127.0.0.1]';

class UsageError extends Error {}

export function parseDashboardArgs(argv: string[]): { targets: TargetSource; port: number; listen: string } {
  let targets: TargetSource = { kind: 'default' };
  let port = 0;
  let listen = '127.0.0.1';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    const target = parseTargetFlag(a, value, (msg) => new UsageError(msg));
    if (target !== null) {
      targets = target;
      continue;
    }
    switch (a) {
      case '--port': {
        const v = value();
        port = Number(v);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port needs an integer in 0..65535, got '${v}'`);
        break;
      }
      case '--listen':
        listen = value();
        break;
      default:
        throw new UsageError(`unknown argument ${a.slice(0, 80)}`);
    }
  }
  return { targets, port, listen };
}

async function main(): Promise<void> {
  let args: ReturnType<typeof parseDashboardArgs>;
  let nodes: string[];
  let from: string;
  try {
    args = parseDashboardArgs(process.argv.slice(2));
    ({ nodes, from } = resolveTargets(args.targets, process.cwd()));
  } catch (err) {
    if (err instanceof UsageError || err instanceof TargetError) {
      process.stderr.write(`error: ${err.message}\n${USAGE}\n`);
      process.exit(2);
    }
    throw err;
  }
  let dash;
  try {
    // The admin token and CA from secrets/ beside the config or inventory (as run_client finds them).
    const credentials = findCredentials(undefined, from.startsWith('--') ? undefined : from, process.cwd());
    dash = await startDashboard({ nodes, host: args.listen, port: args.port, source: from, credentials });
  } catch (err) {
    process.stderr.write(`error: cannot serve the dashboard on ${args.listen}:${args.port}: ${(err as Error).message}\n`);
    process.exit(2);
  }
  process.stdout.write(`watching ${nodes.length} nodes from ${from}\ndashboard ${dash.url}\n`);
  if (!/^(127\.|::1$|localhost$)/.test(args.listen)) {
    process.stdout.write(`warning: listening on ${args.listen}: anyone who can reach this page can suspend, isolate and campaign nodes with the admin credential it holds\n`);
  }
  const stop = (): void => {
    void dash.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

// Only when run as the program (tests import parseDashboardArgs).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
