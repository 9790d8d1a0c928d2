// Command-line flags of the node program (src/node/main.ts). Parsing errors are ConfigErrors: one line, exit code 2.
import { join } from 'node:path';
import { ConfigError } from './config.js';

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
}

export const NODE_USAGE =
  'usage: node dist/src/node/main.js --config FILE [--data-dir DIR] [--address-file FILE | --id HOST:PORT] ' +
  '[--listen HOST] [--log-level error|warn|info|debug] [--max-connections N] [--secrets DIR | --insecure]';

const LEVELS = ['error', 'warn', 'info', 'debug'];

/** Reads "--flag value" and "--flag=value" pairs; every flag takes a value except those in `switches` (value "true"). */
export function readFlags(argv: string[], known: readonly string[], switches: readonly string[] = []): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    if (switches.includes(name) && eq < 0) {
      flags.set(name, 'true');
      continue;
    }
    if (!known.includes(name)) throw new ConfigError(`unknown option --${name}`);
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else value = argv[++i];
    if (value === undefined || value.startsWith('--')) throw new ConfigError(`option --${name} needs a value`);
    flags.set(name, value);
  }
  return flags;
}

export function parseNodeArgs(argv: string[]): NodeArgs {
  const f = readFlags(argv, ['config', 'data-dir', 'address-file', 'id', 'listen', 'log-level', 'max-connections', 'secrets'], ['insecure']);
  const config = f.get('config');
  if (config === undefined) throw new ConfigError('missing --config FILE (the cluster configuration)');
  const logLevel = f.get('log-level') ?? 'info';
  if (!LEVELS.includes(logLevel)) throw new ConfigError(`--log-level must be one of ${LEVELS.join(', ')}`);
  const maxConn = f.get('max-connections') ?? '0';
  if (!/^\d{1,6}$/.test(maxConn) || (Number(maxConn) !== 0 && Number(maxConn) < 16)) {
    throw new ConfigError(`--max-connections must be a whole number >= 16 (or 0 for the default), got "${maxConn}"`);
  }
  if (f.has('id') && f.has('address-file')) throw new ConfigError('give either --id or --address-file, not both');
  if (f.has('insecure') && f.has('secrets')) throw new ConfigError('give either --secrets or --insecure, not both');
  const dataDir = f.get('data-dir') ?? '.';
  return {
    config,
    dataDir,
    addressFile: f.get('address-file') ?? './address',
    id: f.get('id'),
    listen: f.get('listen'),
    logLevel,
    maxConnections: Number(maxConn),
    secretsDir: f.get('secrets') ?? join(dataDir, 'secrets'),
    insecure: f.has('insecure'),
  };
}
