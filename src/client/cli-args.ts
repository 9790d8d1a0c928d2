// Command line of `npm run run_client` (read by src/util/cli-args.ts): where the targets come from, the command and its
// arguments, and the tuning flags. Pure (no I/O) so it can be tested and so cli.ts only wires things together.
import { CliUsageError, defineCli, parseCli, type Parsed } from '../util/cli-args.js';
import { flag, integer, text } from '../util/cli-options.js';
import { targetOptions, targetSource } from './targets.js';

export type TargetSource =
  | { kind: 'nodes'; nodes: string[] }
  | { kind: 'config'; file: string }
  | { kind: 'inventory'; file: string }
  | { kind: 'default' };

export interface CliArgs {
  targets: TargetSource;
  /** 'add' when no command is given (the ancestor client added one entry). */
  command: string;
  positional: string[];
  count: number;
  concurrency: number;
  timeoutMs: number;
  deadlineMs: number;
  verbose: boolean;
  /** The cluster's secrets folder (tokens, CA); default: secrets/ beside the config or inventory the nodes came from. */
  secretsDir?: string;
  /** member add/remove: skip the strict reconfiguration check. */
  force: boolean;
}

/** Each command with the number of arguments it takes (min, max). */
const COMMANDS: Record<string, { args: [number, number]; usage: string; help: string }> = {
  add: { args: [0, 1], usage: 'add [DATA]', help: 'add one entry (DATA, or a generated one); --count and --concurrency add more (the default command)' },
  set: { args: [2, 2], usage: 'set KEY VALUE', help: 'set KEY to VALUE' },
  get: { args: [1, 1], usage: 'get KEY', help: 'print the value of KEY' },
  leader: { args: [0, 0], usage: 'leader', help: 'print the leader\'s address' },
  status: { args: [0, 0], usage: 'status', help: 'a table of every node: role, term, leader, commit, applied, last log index and member (voter, learner, outside)' },
  suspend: { args: [2, 2], usage: 'suspend NODE|INDEX SECONDS', help: 'a node (HOST:PORT or 1-based index) neither answers nor sends for SECONDS (admin token)' },
  member: {
    args: [1, 2],
    usage: 'member list | member add NODE | member remove NODE',
    help: 'the configuration; add a node of cluster.json (learner, then voter once caught up) or remove one (admin token); --force skips the safety check',
  },
  transfer: { args: [1, 1], usage: 'transfer NODE|INDEX', help: 'the leader hands over to NODE (thesis 3.10) and the new leader is printed (admin token)' },
  shell: { args: [0, 0], usage: 'shell', help: 'read commands from stdin, one per line (help lists them)' },
  help: { args: [0, 99], usage: 'help', help: 'print this help' },
};

export const CLIENT_CLI = defineCli({
  program: 'run_client',
  usage: 'npm run run_client -- [targets] [command] [options]',
  summary: 'Talks to the cluster through its leader. Targets, first that applies: --nodes, --config, --inventory, ' +
    './inventory.json, data/cluster/cluster.json.',
  commands: Object.values(COMMANDS).map((c) => ({ name: c.usage, help: c.help })),
  maxPositionals: 100,
  options: {
    ...targetOptions,
    count: integer('add: how many entries', { min: 1, max: Number.MAX_SAFE_INTEGER, default: 1 }),
    concurrency: integer('add: how many calls in flight', { min: 1, max: Number.MAX_SAFE_INTEGER, default: 1, placeholder: 'C' }),
    timeout: integer('per call', { min: 1, max: Number.MAX_SAFE_INTEGER, default: 2000, placeholder: 'MS' }),
    deadline: integer('per operation, retries included', { min: 1, max: Number.MAX_SAFE_INTEGER, default: 10_000, placeholder: 'MS' }),
    secrets: text('tokens and CA', { placeholder: 'DIR', defaultText: 'secrets/ beside the config or inventory' }),
    verbose: flag('log every call and retry', { short: 'v' }),
    force: flag('member: change even if fewer recently active voters than a quorum would remain'),
  },
});

/** Throws CliUsageError (one line) for anything wrong; --help and -h are the `help` command. */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  const r = parseCli(CLIENT_CLI, argv);
  if (!r.help) return cliArgsOf(r);
  return { ...cliArgsOf(parseCli(CLIENT_CLI, []) as Parsed<typeof CLIENT_CLI.options>), command: 'help' };
}

function cliArgsOf(r: Parsed<typeof CLIENT_CLI.options>): CliArgs {
  const v = r.values;
  const [command = 'add', ...positional] = r.positionals;
  const c = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (c === undefined) throw new CliUsageError(`unknown command '${command.slice(0, 60).replace(/[^\x20-\x7e]/g, '?')}'`);
  const [min, max] = c.args;
  if (positional.length < min || positional.length > max) {
    throw new CliUsageError(`'${command}' takes ${min === max ? min : `${min} to ${max}`} argument(s), got ${positional.length}`);
  }
  return {
    targets: targetSource(v, r.given),
    command,
    positional,
    count: v.count,
    concurrency: v.concurrency,
    timeoutMs: v.timeout,
    deadlineMs: v.deadline,
    verbose: v.verbose,
    secretsDir: v.secrets,
    force: v.force,
  };
}
