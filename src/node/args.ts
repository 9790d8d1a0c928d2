// Command-line flags of the node program (src/node/main.ts), read by src/util/cli-args.ts: a usage error is one line
// `node: ... (try --help)`, exit code 2.
import { join } from 'node:path';
import { CliUsageError, defineCli, readCli, type Parsed } from '../util/cli-args.js';
import { custom, flag, oneOf, text } from '../util/cli-options.js';

export interface NodeArgs {
  config: string;
  dataDir: string;
  /** Used when `id` is absent. */
  addressFile: string;
  id?: string;
  /** Bind host; the advertised id keeps the configured host (e.g. listen on 0.0.0.0 behind a NAT'd address). */
  listen?: string;
  logLevel: string;
  /** Cap on open connections (0: half the open-files limit; see src/rpc/connection-guard.ts). */
  maxConnections: number;
  /** Where this node's secrets are (default DATA/secrets). */
  secretsDir: string;
  /** Security off, explicitly: no peer authentication, no admin credential, no TLS. */
  insecure: boolean;
  /** Start with no configuration until added (`member add`). */
  join: boolean;
}

function maxConnections(v: string): number {
  if (!/^\d{1,6}$/.test(v) || (Number(v) !== 0 && Number(v) < 16)) {
    throw new Error(`--max-connections must be a whole number >= 16 (or 0 for the default), got ${JSON.stringify(v.slice(0, 60))}`);
  }
  return Number(v);
}

export const NODE_CLI = defineCli({
  program: 'node',
  usage: 'node dist/src/node/main.js --config FILE [options]   (npm run node -- --config FILE [options])',
  summary: 'One Raft node: serves XML-RPC at its address from the cluster configuration; prints READY <id> once serving.',
  options: {
    config: text('the cluster configuration (required)', { placeholder: 'FILE' }),
    'data-dir': text('where this node keeps its write-ahead log, raftlog and node.log', { placeholder: 'DIR', default: '.' }),
    'address-file': text('file holding this node\'s HOST:PORT (used without --id)', { placeholder: 'FILE', default: './address' }),
    id: text('this node\'s HOST:PORT as listed in the configuration', { placeholder: 'HOST:PORT' }),
    listen: text('bind to this host instead of the one in the id', { placeholder: 'HOST' }),
    'log-level': oneOf('console and node.log detail', ['error', 'warn', 'info', 'debug'], { default: 'info' }),
    'max-connections': custom('cap on open connections, >= 16 (0: half the open-files limit)', 'N', maxConnections, { defaultText: '0' }),
    secrets: text('this node\'s secrets folder', { placeholder: 'DIR', defaultText: 'DATA-DIR/secrets' }),
    insecure: flag('security off, explicitly: no peer authentication, no admin credential, no TLS'),
    join: flag('start outside the cluster (no configuration: neither votes nor campaigns) until `member add` adds this node'),
  },
});

/** For main: prints the usage and exits 0 on --help, prints the one error line and exits 2 on a usage error. */
export function readNodeArgs(argv: readonly string[]): NodeArgs {
  return readCli(NODE_CLI, nodeArgsOf, argv);
}

function nodeArgsOf(r: Parsed<typeof NODE_CLI.options>): NodeArgs {
  const v = r.values;
  if (v.config === undefined) throw new CliUsageError('missing --config FILE (the cluster configuration)');
  if (v.id !== undefined && r.given.has('address-file')) throw new CliUsageError('give either --id or --address-file, not both');
  if (v.insecure && v.secrets !== undefined) throw new CliUsageError('give either --secrets or --insecure, not both');
  return {
    config: v.config,
    dataDir: v['data-dir'],
    addressFile: v['address-file'],
    id: v.id,
    listen: v.listen,
    logLevel: v['log-level'],
    maxConnections: v['max-connections'] ?? 0,
    secretsDir: v.secrets ?? join(v['data-dir'], 'secrets'),
    insecure: v.insecure,
    join: v.join,
  };
}
