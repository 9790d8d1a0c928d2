// `npm run cluster -- --nodes N --base-port P --data-dir D [--heartbeat-ms H] [--election-timeout-ms E]
// [--tick-ms T] [--log-level L] [--verbose]`: a local cluster of N node processes on 127.0.0.1 that prints each node's
// role as it changes, and stops them all on Ctrl-C or SIGTERM. Node i keeps its files in D/node-i/ (node.log has
// everything); --verbose also echoes every node's console. It also serves the live dashboard (src/dashboard/) on
// 127.0.0.1 (--dashboard-port, 0 = any free port; --dashboard false to not serve it) and prints its address.
import { startDashboard, type Dashboard } from '../dashboard/server.js';
import { readFlags } from './args.js';
import { ConfigError } from '../protocol/cluster-config.js';
import { PortInUseError, startLocalCluster, type LocalCluster } from './local-cluster.js';

const USAGE =
  'usage: npm run cluster -- [--nodes 5] [--base-port 8000] [--data-dir data/cluster] [--heartbeat-ms 50] ' +
  '[--election-timeout-ms 150] [--tick-ms 10] [--log-level info] [--verbose true] [--dashboard-port 0] [--dashboard false] [--read-mode index|lease] [--insecure]';

function intFlag(f: Map<string, string>, name: string, fallback: number | undefined, min: number, max: number): number | undefined {
  const raw = f.get(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`--${name} must be an integer in ${min}..${max}`);
  return n;
}

const STATUS_POLL_MS = 200;

async function main(): Promise<void> {
  let f: Map<string, string>;
  let nodes: number, basePort: number;
  try {
    f = readFlags(process.argv.slice(2), [
      'nodes', 'base-port', 'data-dir', 'heartbeat-ms', 'election-timeout-ms', 'tick-ms', 'log-level', 'verbose', 'dashboard-port', 'dashboard', 'read-mode',
    ], ['insecure']);
    intFlag(f, 'dashboard-port', 0, 0, 65535);
    nodes = intFlag(f, 'nodes', 5, 1, 99)!;
    basePort = intFlag(f, 'base-port', 8000, 1, 65535 - nodes + 1)!;
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  const dataDir = f.get('data-dir') ?? 'data/cluster';
  const verbose = f.has('verbose') && f.get('verbose') !== 'false';

  let stopping = false;
  let cluster: LocalCluster;
  try {
    cluster = await startLocalCluster({
      nodes,
      basePort,
      dataDir,
      heartbeatMs: intFlag(f, 'heartbeat-ms', undefined, 1, 3_600_000),
      electionTimeoutMs: intFlag(f, 'election-timeout-ms', undefined, 1, 3_600_000),
      tickMs: intFlag(f, 'tick-ms', undefined, 1, 1000),
      readMode: readModeFlag(f.get('read-mode')),
      logLevel: f.get('log-level') ?? 'info',
      // Secure by default (peers authenticated, admin token; secrets in DATA/secrets); --insecure explicitly not.
      security: f.has('insecure') ? 'insecure' : undefined,
      onOutput: (i, line, stream) => {
        // Warnings and errors always matter; the rest is in D/node-i/node.log.
        if (verbose || stream === 'stderr' || / (warn|error): /.test(line)) process.stdout.write(`[node-${i}] ${line}\n`);
      },
      onUnexpectedExit: (i, code, signal) => {
        if (!stopping) process.stdout.write(`node-${i} exited unexpectedly (code ${code}, signal ${signal})\n`);
      },
    });
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exit(err instanceof PortInUseError || err instanceof ConfigError ? 2 : 1);
  }
  process.stdout.write(
    `started ${nodes} nodes (${cluster.endpoints.join(', ')}), data in ${dataDir}, config ${cluster.configFile}` +
      `${f.has('insecure') ? ', INSECURE' : `, secrets in ${cluster.security.secretsDir}`}; Ctrl-C stops them\n`,
  );

  let dashboard: Dashboard | null = null;
  if (f.get('dashboard') !== 'false') {
    const index = (id: string): number => cluster.nodes.findIndex((n) => n.id === id);
    try {
      dashboard = await startDashboard({
        nodes: cluster.endpoints,
        port: intFlag(f, 'dashboard-port', 0, 0, 65535),
        source: cluster.configFile,
        credentials: cluster.security.credentials,
        processes: {
          kill: (id) => cluster.kill(index(id), 'SIGKILL'),
          restart: (id) => cluster.restart(index(id)),
          running: (id) => cluster.nodes[index(id)]?.process != null,
        },
      });
      process.stdout.write(`dashboard ${dashboard.url}\n`);
    } catch (err) {
      // The cluster is useful without its dashboard.
      process.stdout.write(`dashboard not served: ${(err as Error).message}\n`);
    }
  }

  // Print each node's role whenever it (or the term) changes.
  const last: string[] = cluster.nodes.map(() => '');
  const poll = setInterval(() => {
    void Promise.all(cluster.nodes.map((_, i) => cluster.status(i, STATUS_POLL_MS * 2))).then((all) => {
      if (stopping) return;
      all.forEach((s, i) => {
        // A follower's line changes when it learns (or loses) its leader, too.
        const now = s === null ? 'down' : `${s.role} term ${s.term}${s.role === 'follower' && s.leader ? ` (leader ${s.leader})` : ''}`;
        if (now === last[i]) return;
        last[i] = now;
        process.stdout.write(`${new Date().toISOString().slice(11, 23)} node-${i} ${cluster.nodes[i].id}: ${now}\n`);
      });
    });
  }, STATUS_POLL_MS);

  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    clearInterval(poll);
    process.stdout.write(`${signal}: stopping all nodes\n`);
    void (dashboard?.close() ?? Promise.resolve()).then(() => cluster.stop()).then(() => {
      process.stdout.write('all nodes stopped\n');
      process.exit(0);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

void main();

function readModeFlag(v: string | undefined): 'index' | 'lease' | undefined {
  if (v === undefined || v === 'index' || v === 'lease') return v;
  throw new ConfigError(`--read-mode takes index or lease, got "${v}"`);
}
