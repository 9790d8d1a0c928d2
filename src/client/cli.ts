// `npm run run_client`: the command-line client. Parses arguments (cli-args.ts), finds the target nodes (targets.ts)
// and runs one command (commands.ts) or the shell (shell.ts). Exit codes: 0 done, 1 the cluster did not do it
// (no leader in time, not committed, unreachable), 2 bad usage or a missing/broken target list.
import { createLogger, silentLogger } from '../util/logger.js';
import { CLIENT_CLI, parseCliArgs, type CliArgs } from './cli-args.js';
import { CliUsageError, formatUsage, formatUsageError } from '../util/cli-args.js';
import { addCommand, describeFailure, getCommand, leaderCommand, setCommand, statusCommand, suspendCommand, transferCommand, memberCommand, type CommandContext } from './commands.js';
import { RaftClient, type RaftClientOptions } from './raft-client.js';
import { runShell } from './shell.js';
import { SecretsError } from '../security/secret-files.js';
import { TargetError, resolveTargets } from './targets.js';
import { findCredentials } from '../security/client-credentials.js';
import type { ClusterCredentials } from '../security/cluster-secrets.js';

const out = (line: string): void => void process.stdout.write(`${line}\n`);
const err = (line: string): void => void process.stderr.write(`${line}\n`);

async function run(args: CliArgs, nodes: string[], credentials: ClusterCredentials): Promise<number> {
  const clientOptions: RaftClientOptions = {
    credentials,
    timeoutMs: args.timeoutMs,
    deadlineMs: args.deadlineMs,
    maxSocketsPerNode: Math.max(64, args.concurrency),
    logger: args.verbose ? createLogger({ label: 'client', level: 'debug' }) : silentLogger,
  };
  if (args.command === 'shell') {
    return runShell({ nodes, clientOptions, input: process.stdin, out, err, prompt: process.stdin.isTTY === true });
  }
  const client = new RaftClient(nodes, clientOptions);
  const ctx: CommandContext = { client, nodes, out, err };
  const p = args.positional;
  try {
    switch (args.command) {
      case 'add':
        return await addCommand(ctx, p[0], args.count, args.concurrency);
      case 'set':
        return await setCommand(ctx, p[0], p[1]);
      case 'get':
        return await getCommand(ctx, p[0]);
      case 'leader':
        return await leaderCommand(ctx);
      case 'status':
        return await statusCommand(ctx);
      case 'suspend':
        return await suspendCommand(ctx, nodes[Number(p[0]) - 1] ?? p[0], p[1]);
      case 'member':
        return await memberCommand(ctx, p[0], p[1] === undefined ? undefined : (nodes[Number(p[1]) - 1] ?? p[1]), args.force);
      case 'transfer':
        return await transferCommand(ctx, nodes[Number(p[0]) - 1] ?? p[0]);
      default:
        throw new Error(`unknown command '${args.command}'`);
    }
  } finally {
    client.close();
  }
}

async function main(argv: string[]): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCliArgs(argv);
  } catch (e) {
    if (!(e instanceof CliUsageError)) throw e;
    err(formatUsageError(CLIENT_CLI.program, e.message));
    return 2;
  }
  if (args.command === 'help') {
    out(formatUsage(CLIENT_CLI));
    return 0;
  }
  let nodes: string[];
  let credentials: ClusterCredentials;
  try {
    let from: string;
    ({ nodes, from } = resolveTargets(args.targets, process.cwd()));
    credentials = findCredentials(args.secretsDir, args.targets.kind === 'nodes' ? undefined : from, process.cwd());
  } catch (e) {
    if (!(e instanceof TargetError) && !(e instanceof SecretsError)) throw e;
    err(`run_client: ${e.message}`);
    return 2;
  }
  try {
    return await run(args, nodes, credentials);
  } catch (e) {
    err(`run_client: ${describeFailure(e)}`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    err(`run_client: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exitCode = 1;
  },
);
