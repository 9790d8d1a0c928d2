// Our cluster as a system under test: a fresh local cluster (src/node/local-cluster.ts) in a temporary folder with
// the default timeouts, or nodes already running elsewhere (--endpoints), which the bench can only load, not kill.
import { join } from 'node:path';
import { RpcClient } from '../../src/rpc/client.js';
import { parseNodeStatus, type NodeStatus } from '../../src/protocol/status.js';
import { startLocalCluster, type LocalCluster } from '../../src/node/local-cluster.js';
import type { ClientKind, ClientSpec } from '../clients/kv-client.js';
import { splitHostPort } from '../../src/util/host-port.js';
import type { LeaderView, SystemUnderTest } from './system.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LocalRaftOptions {
  nodes: number;
  ports: number[];
  dataDir: string;
  /** Node.js runtime flags for every node, e.g. --cpu-prof. */
  nodeOptions?: string[];
  onUnexpectedExit?: (index: number, code: number | null, signal: NodeJS.Signals | null) => void;
  /** deployed: TLS and credentials on every call, as deploy/ runs it; local: peers authenticated, clients open; insecure: off. */
  security?: BenchSecurity;
  /** cluster.json's readMode: how getVal is served (ReadIndex by default, or leader lease). */
  readMode?: 'index' | 'lease';
}

/** deployed-peertls: as deployed with "peerTls" (members on HTTPS too), to measure what that costs. */
export type BenchSecurity = 'deployed' | 'deployed-peertls' | 'local' | 'insecure';

export function raftClientSpec(endpoints: string[], maxSockets: number, client: ClientKind = 'raft-lib', rpc?: ClientSpec['rpc']): ClientSpec {
  return { system: 'raft', client, endpoints, maxSockets, attemptTimeoutMs: 5000, opDeadlineMs: 20_000, rpc };
}

class RaftSystem implements SystemUnderTest {
  readonly kind = 'raft' as const;
  readonly label: string;
  readonly controlsProcesses: boolean;
  private readonly status: RpcClient[];

  private readonly rpc: ClientSpec['rpc'];

  constructor(
    readonly endpoints: string[],
    private readonly cluster: LocalCluster | null,
    security?: BenchSecurity,
    readMode?: 'index' | 'lease',
  ) {
    const reads = readMode === 'lease' ? ', lease reads' : '';
    this.label = `raft-xmlrpc (${endpoints.length} nodes${security === undefined ? '' : `, security ${security}`}${reads})`;
    this.controlsProcesses = cluster !== null;
    const o = cluster?.security.clientOptions() ?? {};
    this.rpc = { auth: o.auth, ca: o.ca };
    this.status = endpoints.map((ep) => {
      const { host, port } = splitHostPort(ep, 'endpoint');
      return new RpcClient(host, port, { ...this.rpc, timeoutMs: 1000, maxSockets: 2 });
    });
  }

  clientSpec(maxSockets: number, client: ClientKind = 'raft-lib'): ClientSpec {
    return raftClientSpec(this.endpoints, maxSockets, client, this.rpc);
  }

  async statuses(): Promise<(NodeStatus | null)[]> {
    return Promise.all(
      this.status.map(async (c, i) => {
        try {
          return parseNodeStatus(await c.call('status', [], 1000), this.endpoints[i]);
        } catch {
          return null;
        }
      }),
    );
  }

  async waitForLeader(timeoutMs: number): Promise<LeaderView> {
    if (this.cluster) {
      const l = await this.cluster.waitForLeader(timeoutMs);
      return { index: l.index, term: l.term };
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const all = await this.statuses();
      const leaders = all.flatMap((s, i) => (s?.role === 'leader' ? [{ index: i, term: s.term }] : []));
      if (leaders.length === 1) return leaders[0];
      if (Date.now() > deadline) throw new Error(`no single leader among ${this.endpoints.join(', ')} within ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  async maxTerm(): Promise<number | null> {
    const terms = (await this.statuses()).flatMap((s) => (s ? [s.term] : []));
    return terms.length === 0 ? null : Math.max(...terms);
  }

  kill(index: number): Promise<void> {
    return this.local('kill').kill(index, 'SIGKILL');
  }

  restart(index: number): Promise<void> {
    return this.local('restart').restart(index);
  }

  pids(): (number | null)[] {
    return this.cluster ? this.cluster.nodes.map((n) => n.pid) : [];
  }

  async waitCaughtUp(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const all = await this.statuses();
      const up = all.filter((s): s is NodeStatus => s !== null);
      const commit = Math.max(0, ...up.map((s) => s.commitIndex));
      if (up.length === all.length && up.every((s) => s.lastApplied >= commit)) return true;
      await sleep(100);
    }
    return false;
  }

  raftlogPaths(): string[] | null {
    return this.cluster ? this.cluster.nodes.map((n) => join(n.dataDir, 'raftlog')) : null;
  }

  async stop(): Promise<void> {
    for (const c of this.status) c.close();
    await this.cluster?.stop();
  }

  private local(what: string): LocalCluster {
    if (!this.cluster) throw new Error(`cannot ${what} a node of a cluster the bench did not start (--endpoints)`);
    return this.cluster;
  }
}

export async function startRaftSystem(opts: LocalRaftOptions): Promise<SystemUnderTest & { statuses(): Promise<(NodeStatus | null)[]> }> {
  const cluster = await startLocalCluster({
    nodes: opts.nodes,
    ports: opts.ports,
    dataDir: opts.dataDir,
    logLevel: 'warn',
    nodeOptions: opts.nodeOptions,
    onUnexpectedExit: opts.onUnexpectedExit,
    readyTimeoutMs: 120_000,
    security:
      opts.security === 'deployed' ? { tls: true, clientAuth: true }
      : opts.security === 'deployed-peertls' ? { tls: true, clientAuth: true, peerTls: true }
      : opts.security === 'insecure' ? 'insecure' : undefined,
    readMode: opts.readMode,
  });
  return new RaftSystem(cluster.endpoints, cluster, opts.security ?? 'local', opts.readMode);
}

export function remoteRaftSystem(endpoints: string[]): SystemUnderTest {
  return new RaftSystem(endpoints, null);
}
