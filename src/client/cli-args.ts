// Command-line parsing for `npm run run_client`: where the targets come from, the command and its arguments, and the
// tuning flags. Pure (no I/O) so it can be tested and so cli.ts only wires things together.

import { parseTargetFlag } from './targets.js';

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
}

export class UsageError extends Error {}

export const USAGE = `usage: npm run run_client -- [targets] [command] [options]
targets (first that applies): --nodes HOST:PORT,...  --config CLUSTER.json  --inventory INVENTORY.json
                              ./inventory.json  data/cluster/cluster.json
commands: add [DATA] [--count N] [--concurrency C]   (default: add one entry)
          set KEY VALUE | get KEY | leader | status | suspend NODE|INDEX SECONDS | shell | help
options:  --timeout MS (per call, default 2000)  --deadline MS (per operation, default 10000)  --verbose
          --secrets DIR (tokens and CA; default: secrets/ beside the config or inventory)`;

const COMMANDS = new Set(['add', 'set', 'get', 'leader', 'status', 'suspend', 'shell', 'help']);

function positiveInt(flag: string, v: string | undefined): number {
  const n = Number(v);
  if (v === undefined || !Number.isInteger(n) || n < 1) throw new UsageError(`${flag} needs a positive integer, got '${v ?? ''}'`);
  return n;
}

export function parseCliArgs(argv: string[]): CliArgs {
  const out: CliArgs = {
    targets: { kind: 'default' },
    command: 'add',
    positional: [],
    count: 1,
    concurrency: 1,
    timeoutMs: 2000,
    deadlineMs: 10_000,
    verbose: false,
  };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    const target = parseTargetFlag(a, value, (msg) => new UsageError(msg));
    if (target !== null) {
      out.targets = target;
      continue;
    }
    switch (a) {
      case '--count':
        out.count = positiveInt(a, value());
        break;
      case '--concurrency':
        out.concurrency = positiveInt(a, value());
        break;
      case '--timeout':
        out.timeoutMs = positiveInt(a, value());
        break;
      case '--deadline':
        out.deadlineMs = positiveInt(a, value());
        break;
      case '--secrets':
        out.secretsDir = value();
        break;
      case '--verbose':
      case '-v':
        out.verbose = true;
        break;
      case '--help':
      case '-h':
        rest.unshift('help');
        break;
      default:
        if (a.startsWith('--')) throw new UsageError(`unknown option ${a}`);
        rest.push(a);
    }
  }
  if (rest.length > 0) {
    if (!COMMANDS.has(rest[0])) throw new UsageError(`unknown command '${rest[0]}'`);
    out.command = rest[0];
    out.positional = rest.slice(1);
  }
  const need: Record<string, [number, number]> = {
    add: [0, 1], set: [2, 2], get: [1, 1], leader: [0, 0], status: [0, 0], suspend: [2, 2], shell: [0, 0], help: [0, 99],
  };
  const [min, max] = need[out.command];
  if (out.positional.length < min || out.positional.length > max) {
    throw new UsageError(`'${out.command}' takes ${min === max ? min : `${min} to ${max}`} argument(s), got ${out.positional.length}`);
  }
  return out;
}
