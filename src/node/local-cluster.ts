// A reusable local cluster: N node processes (`node dist/src/node/main.js`) on one host, each with its own data dir.
// Used by `npm run cluster`, the integration tests, chaos and the benchmark.
//
//   const c = await startLocalCluster({ nodes: 5, dataDir: '/tmp/x', ports: await findFreePorts(5) });
//   const leader = await c.waitForLeader(10_000);       // { index, id, term }
//   await c.kill(leader.index, 'SIGKILL');                // waits for the process to exit
//   await c.restart(leader.index);                        // same data dir; resolves on READY
//   await c.stop();                                       // SIGTERM all (SIGKILL after 5 s); always call it
//
// Files: DATA/cluster.json and DATA/node-i/{address,raftlog,wal/,hardstate,node.log}.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { formatClusterConfig, type ClusterConfigFile } from '../protocol/cluster-config.js';
import { parseNodeStatus, type NodeStatus } from '../protocol/status.js';
import { RpcClient } from '../rpc/client.js';
import type { XmlRpcValue } from '../rpc/values.js';
import { takenPorts } from './ports.js';
import { joinHostPort } from '../util/host-port.js';
import { localSecuritySection, prepareLocalSecurity, type LocalSecurity, type PreparedLocalSecurity } from '../security/local-security.js';

export interface LocalClusterOptions {
  nodes: number;
  /** Node i listens on basePort + i, unless `ports` lists them. */
  basePort?: number;
  ports?: number[];
  /** Default 127.0.0.1. */
  host?: string;
  dataDir: string;
  tickMs?: number;
  heartbeatMs?: number;
  electionTimeoutMs?: number;
  /** cluster.json's readMode: "index" (default) or "lease". */
  readMode?: 'index' | 'lease';
  /** Node log level (console and node.log); default 'info'. Tests pass 'warn' to spare CPU. */
  logLevel?: string;
  /** Every console line a node prints after READY. Output is drained either way, so a child never blocks on a full pipe. */
  onOutput?: (index: number, line: string, stream: 'stdout' | 'stderr') => void;
  /** Called when a node exits without being asked to (kill/stop). */
  onUnexpectedExit?: (index: number, code: number | null, signal: NodeJS.Signals | null) => void;
  /** Bound on a node's start (default 20 s). */
  readyTimeoutMs?: number;
  /** Extra node-program flags, e.g. ['--listen', '0.0.0.0']. */
  extraArgs?: string[];
  /** Flags for the node.js runtime itself, e.g. ['--cpu-prof', '--cpu-prof-dir=/tmp/prof']. */
  nodeOptions?: string[];
  /** Default: peers authenticated, admin token, clients open, no TLS (src/security/local-security.ts). */
  security?: LocalSecurity;
  /**
   * How many of the `nodes` are initial voters (default: all). The others are listed in cluster.json (so they have
   * keys) and run, but start outside the cluster until `member add` (issue 14).
   */
  initialVoters?: number;
}

export interface LocalNode {
  index: number;
  /** "host:port", the node's id. */
  id: string;
  host: string;
  port: number;
  dataDir: string;
  /** The running process, or null while stopped. */
  process: ChildProcess | null;
  pid: number | null;
}

export interface LocalCluster {
  nodes: LocalNode[];
  configFile: string;
  /** "host:port" of every node, in index order. */
  endpoints: string[];
  /** Sends `signal` (default SIGKILL) to node i and waits until it exited. */
  kill(index: number, signal?: NodeJS.Signals): Promise<void>;
  /** Starts node i again with the same data dir; resolves once it prints READY. */
  /** extraArgs: node-program flags for this start only (e.g. ['--join'] for a wiped node to be added again). */
  restart(index: number, extraArgs?: string[]): Promise<void>;
  /** status() of node i, or null if it does not answer within timeoutMs. */
  status(index: number, timeoutMs?: number): Promise<NodeStatus | null>;
  /** Polls until exactly one running node reports itself leader and the others agree or do not answer; bounded. */
  waitForLeader(timeoutMs: number, exclude?: number[]): Promise<{ index: number; id: string; term: number }>;
  /** Stops every node (SIGTERM, then SIGKILL after 5 s) and closes the status clients. */
  stop(): Promise<void>;
  /** Its secrets folder, tokens and CA, and RpcClient options carrying them (client, or admin). */
  security: PreparedLocalSecurity;
}

/** Thrown before anything is started when a port is already taken. */
export class PortInUseError extends Error {
  constructor(readonly host: string, readonly ports: number[]) {
    super(`port${ports.length > 1 ? 's' : ''} ${ports.join(', ')} on ${host} already in use; stop what holds ${ports.length > 1 ? 'them' : 'it'} or choose another base port`);
    this.name = 'PortInUseError';
  }
}

const MAIN_JS = fileURLToPath(new URL('./main.js', import.meta.url));

export function writeClusterFiles(opts: LocalClusterOptions): { configFile: string; nodes: LocalNode[] } {
  const host = opts.host ?? '127.0.0.1';
  const basePort = opts.basePort ?? 8000;
  const ports = opts.ports ?? Array.from({ length: opts.nodes }, (_, i) => basePort + i);
  if (ports.length !== opts.nodes) throw new Error(`${opts.nodes} nodes but ${ports.length} ports`);
  const nodes: LocalNode[] = ports.map((port, index) => ({
    index,
    id: joinHostPort(host, port),
    host,
    port,
    dataDir: join(opts.dataDir, `node-${index}`),
    process: null,
    pid: null,
  }));
  const config: ClusterConfigFile = { nodes: nodes.map((n) => n.id) };
  if (opts.initialVoters !== undefined) config.initialVoters = nodes.slice(0, opts.initialVoters).map((n) => n.id);
  if (opts.tickMs !== undefined) config.tickMs = opts.tickMs;
  if (opts.heartbeatMs !== undefined) config.heartbeatMs = opts.heartbeatMs;
  if (opts.electionTimeoutMs !== undefined) config.electionTimeoutMs = opts.electionTimeoutMs;
  if (opts.readMode !== undefined) config.readMode = opts.readMode;
  const security = localSecuritySection(opts.security);
  if (security !== undefined) config.security = security;
  // Checked by the nodes' own rules before anything is written: one ConfigError line instead of N nodes failing.
  const text = formatClusterConfig(config, 'cluster settings');
  const configFile = join(opts.dataDir, 'cluster.json');
  mkdirSync(opts.dataDir, { recursive: true });
  writeFileSync(configFile, text);
  for (const n of nodes) {
    mkdirSync(n.dataDir, { recursive: true });
    writeFileSync(join(n.dataDir, 'address'), `${n.id}\n`);
  }
  return { configFile, nodes };
}

function asStatus(v: XmlRpcValue, node: string): NodeStatus | null {
  try {
    return parseNodeStatus(v, node);
  } catch {
    return null;
  }
}

export async function startLocalCluster(opts: LocalClusterOptions): Promise<LocalCluster> {
  const host = opts.host ?? '127.0.0.1';
  const { configFile, nodes } = writeClusterFiles(opts);
  const taken = await takenPorts(host, nodes.map((n) => n.port));
  if (taken.length > 0) throw new PortInUseError(host, taken);

  const security = prepareLocalSecurity(opts.security, opts.dataDir, nodes);
  const clients = nodes.map((n) => new RpcClient(n.host, n.port, { ...security.clientOptions(), timeoutMs: 1000 }));
  /** Processes we were asked to end: their exit is not "unexpected". */
  const expectingExit = new Set<ChildProcess>();
  const exits = new Map<ChildProcess, Promise<void>>();

  const startNode = (n: LocalNode, extra: string[] = []): Promise<void> => {
    const args = [...(opts.nodeOptions ?? []), MAIN_JS, '--config', configFile, '--data-dir', n.dataDir, '--address-file', join(n.dataDir, 'address')];
    args.push('--log-level', opts.logLevel ?? 'info', ...security.nodeArgs, ...(opts.extraArgs ?? []), ...extra);
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    n.process = child;
    n.pid = child.pid ?? null;
    let stderrText = '';
    let ready = false;
    exits.set(child, new Promise((resolve) => child.once('exit', () => resolve())));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (ready) return;
        expectingExit.add(child);
        child.kill('SIGKILL');
        reject(new Error(`node ${n.id} did not print READY within ${opts.readyTimeoutMs ?? 20000} ms`));
      }, opts.readyTimeoutMs ?? 20000);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (!ready && line.startsWith('READY ')) {
          ready = true;
          clearTimeout(timer);
          resolve();
          return;
        }
        opts.onOutput?.(n.index, line, 'stdout');
      });
      createInterface({ input: child.stderr! }).on('line', (line) => {
        if (stderrText.length < 4000) stderrText += line + '\n';
        opts.onOutput?.(n.index, line, 'stderr');
      });
      child.once('exit', (code, signal) => {
        if (n.process === child) {
          n.process = null;
          n.pid = null;
        }
        if (!ready) {
          clearTimeout(timer);
          reject(new Error(`node ${n.id} exited (code ${code}, signal ${signal}) before READY: ${stderrText.trim()}`));
        } else if (!expectingExit.has(child)) {
          opts.onUnexpectedExit?.(n.index, code, signal);
        }
      });
    });
  };

  const kill = async (index: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    const child = nodes[index].process;
    if (child === null) return;
    expectingExit.add(child);
    const exited = exits.get(child)!;
    child.kill(signal);
    const escalate = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(escalate);
  };

  const status = async (index: number, timeoutMs = 1000): Promise<NodeStatus | null> => {
    if (nodes[index].process === null) return null;
    try {
      return asStatus(await clients[index].call('status', [], timeoutMs), nodes[index].id);
    } catch {
      return null;
    }
  };

  const cluster: LocalCluster = {
    security,
    nodes,
    configFile,
    endpoints: nodes.map((n) => n.id),
    kill,
    restart: (index, extraArgs) => startNode(nodes[index], extraArgs),
    status,
    async waitForLeader(timeoutMs, exclude = []) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const all = await Promise.all(nodes.map((_, i) => (exclude.includes(i) ? null : status(i))));
        const leaders = all.flatMap((s, i) => (s?.role === 'leader' ? [{ index: i, id: s.id, term: s.term }] : []));
        if (leaders.length === 1) {
          const l = leaders[0];
          // Followers that know a leader must name this one (an old leader may linger for a moment after a change).
          const agree = all.every((s) => s === null || s.role !== 'follower' || s.leader === '' || s.leader === l.id);
          if (agree) return l;
        }
        if (Date.now() >= deadline) throw new Error(`no single leader within ${timeoutMs} ms (${JSON.stringify(all)})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      await Promise.all(nodes.map((_, i) => kill(i, 'SIGTERM')));
      for (const c of clients) c.close();
    },
  };

  try {
    await Promise.all(nodes.map((n) => startNode(n)));
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
