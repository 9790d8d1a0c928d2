// `npm run cluster -- [options]` (--help lists them): a local cluster of N node processes on 127.0.0.1 that prints
// each node's role as it changes, and stops them all on Ctrl-C or SIGTERM. Node i keeps its files in D/node-i/ (node.log has
// everything); --verbose also echoes every node's console. It also serves the live dashboard (src/dashboard/) on
// 127.0.0.1 (--dashboard-port, 0 = any free port; --dashboard false to not serve it) and prints its address.
import { startDashboard, type Dashboard } from '../dashboard/server.js';
import { CliUsageError, defineCli, readCli } from '../util/cli-args.js';
import { flag, integer, oneOf, text } from '../util/cli-options.js';
import { ConfigError, DEFAULT_TIMING } from '../protocol/cluster-config.js';
import { PortInUseError, startLocalCluster, type LocalCluster } from '../node/local-cluster.js';

const CLUSTER_CLI = defineCli({
  program: 'cluster',
  usage: 'npm run cluster -- [options]',
  summary: 'A local cluster of node processes on 127.0.0.1, printing each role change; Ctrl-C stops them all.',
  options: {
    nodes: integer('how many nodes', { min: 1, max: 99, default: 5 }),
    'base-port': integer('port of node 1; node i gets base-port + i - 1', { min: 1, max: 65535, default: 8000, placeholder: 'P' }),
    'data-dir': text('node i keeps its files in DIR/node-i/', { placeholder: 'DIR', default: 'data/cluster' }),
    'heartbeat-ms': integer('heartbeat interval', { min: 1, max: 3_600_000, placeholder: 'MS', defaultText: String(DEFAULT_TIMING.heartbeatMs) }),
    'election-timeout-ms': integer('shortest election timeout', { min: 1, max: 3_600_000, placeholder: 'MS', defaultText: String(DEFAULT_TIMING.electionTimeoutMs) }),
    'tick-ms': integer('timer tick', { min: 1, max: 1000, placeholder: 'MS', defaultText: String(DEFAULT_TIMING.tickMs) }),
    'log-level': oneOf('nodes\' log level', ['error', 'warn', 'info', 'debug'], { default: 'info' }),
    verbose: flag('also echo every node\'s console (warnings and errors are always shown)', { wordValue: true }),
    'dashboard-port': integer('the dashboard\'s port on 127.0.0.1 (0: any free port)', { min: 0, max: 65535, default: 0, placeholder: 'P' }),
    dashboard: flag('serve the live dashboard (--dashboard false: do not)', { default: true, wordValue: true }),
    'read-mode': oneOf('how getVal is served: ReadIndex or leader lease', ['index', 'lease'], { defaultText: 'index' }),
    insecure: flag('security off, explicitly: no peer authentication, no admin credential, no TLS'),
  },
});

const STATUS_POLL_MS = 200;

async function main(): Promise<void> {
  const o = readCli(CLUSTER_CLI, ({ values: v }) => {
    if (v['base-port'] + v.nodes - 1 > 65535) throw new CliUsageError(`--base-port ${v['base-port']} leaves no room for ${v.nodes} nodes below port 65536`);
    return v;
  });
  const nodes = o.nodes;
  const basePort = o['base-port'];
  const dataDir = o['data-dir'];
  const verbose = o.verbose;
  const insecure = o.insecure;

  let stopping = false;
  let cluster: LocalCluster;
  try {
    cluster = await startLocalCluster({
      nodes,
      basePort,
      dataDir,
      heartbeatMs: o['heartbeat-ms'],
      electionTimeoutMs: o['election-timeout-ms'],
      tickMs: o['tick-ms'],
      readMode: o['read-mode'],
      logLevel: o['log-level'],
      // Secure by default (peers authenticated, admin token; secrets in DATA/secrets); --insecure explicitly not.
      security: insecure ? 'insecure' : undefined,
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
      `${insecure ? ', INSECURE' : `, secrets in ${cluster.security.secretsDir}`}; Ctrl-C stops them\n`,
  );

  let dashboard: Dashboard | null = null;
  if (o.dashboard) {
    const index = (id: string): number => cluster.nodes.findIndex((n) => n.id === id);
    try {
      dashboard = await startDashboard({
        nodes: cluster.endpoints,
        port: o['dashboard-port'],
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

