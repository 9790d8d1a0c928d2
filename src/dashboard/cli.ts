// `npm run dashboard -- [--nodes HOST:PORT,... | --config CLUSTER.json | --inventory INVENTORY.json] [--port P]
// [--listen HOST]`: serves the live dashboard for a running cluster (targets chosen as run_client chooses them:
// src/client/targets.ts). Kill and restart are hidden: this process does not own the nodes.
import { pathToFileURL } from 'node:url';
import type { TargetSource } from '../client/cli-args.js';
import { resolveTargets, targetOptions, targetSource, TargetError } from '../client/targets.js';
import { defineCli, readCli, type Parsed } from '../util/cli-args.js';
import { integer, text } from '../util/cli-options.js';
import { startDashboard } from './server.js';
import { findCredentials } from '../security/client-credentials.js';

const DASHBOARD_CLI = defineCli({
  program: 'dashboard',
  usage: 'npm run dashboard -- [--nodes HOST:PORT,... | --config CLUSTER.json | --inventory INVENTORY.json] [options]',
  summary: 'Serves the live dashboard of a running cluster (targets found as run_client finds them).',
  options: {
    ...targetOptions,
    port: integer('port to serve on (0: any free port)', { min: 0, max: 65535, default: 0, placeholder: 'P' }),
    listen: text('host to serve on (anything but loopback lets others use the admin credential)', { placeholder: 'HOST', default: '127.0.0.1' }),
  },
});

interface DashboardArgs {
  targets: TargetSource;
  port: number;
  listen: string;
}

const argsOf = ({ values: v, given }: Parsed<typeof DASHBOARD_CLI.options>): DashboardArgs => ({ targets: targetSource(v, given), port: v.port, listen: v.listen });

async function main(): Promise<void> {
  const args = readCli(DASHBOARD_CLI, argsOf);
  let nodes: string[];
  let from: string;
  try {
    ({ nodes, from } = resolveTargets(args.targets, process.cwd()));
  } catch (err) {
    if (err instanceof TargetError) {
      process.stderr.write(`${DASHBOARD_CLI.program}: ${err.message}\n`);
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
    process.stderr.write(`${DASHBOARD_CLI.program}: cannot serve the dashboard on ${args.listen}:${args.port}: ${(err as Error).message}\n`);
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

// Only when run as the program, not when imported.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
