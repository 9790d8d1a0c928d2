// etcd as the system we compare against: a 3-member (or N) cluster on loopback, each member in its own folder under
// the bench's temporary folder, with etcd's default timeouts (heartbeat 100 ms, election 1000 ms) unless told others, and its logs kept
// to errors. Members are plain child processes: kill -9 and restart work like ours.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientKind, ClientSpec } from '../clients/kv-client.js';
import { etcdStatus, type EtcdMemberStatus } from '../clients/etcd-bench-client.js';
import type { LeaderView, SystemUnderTest } from './system.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** The etcd binary on PATH, or null. */
export function findEtcd(): string | null {
  const r = spawnSync('sh', ['-c', 'command -v etcd'], { encoding: 'utf8' });
  const path = r.stdout.trim();
  return r.status === 0 && path !== '' ? path : null;
}

export function etcdVersion(binary: string): string {
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return /etcd Version: (\S+)/.exec(r.stdout)?.[1] ?? 'unknown';
}

export interface EtcdOptions {
  binary: string;
  members: number;
  /** 2 per member: client ports first, then peer ports. */
  ports: number[];
  dataDir: string;
  /** --heartbeat-interval and --election-timeout; etcd's defaults (100, 1000) when absent. */
  timeouts?: { heartbeatMs: number; electionTimeoutMs: number } | null;
  onUnexpectedExit?: (index: number, code: number | null, signal: NodeJS.Signals | null) => void;
}

interface Member {
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  process: ChildProcess | null;
  exited: Promise<void> | null;
  expectExit: boolean;
}

class EtcdSystem implements SystemUnderTest {
  readonly kind = 'etcd' as const;
  readonly label: string;
  readonly controlsProcesses = true;
  readonly endpoints: string[];
  private readonly members: Member[];
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  private stderrTail = '';

  constructor(
    private readonly opts: EtcdOptions,
    version: string,
  ) {
    this.label = `etcd ${version} (${opts.members} members)`;
    this.members = Array.from({ length: opts.members }, (_, i) => ({
      name: `m${i}`,
      clientPort: opts.ports[i],
      peerPort: opts.ports[opts.members + i],
      dataDir: join(opts.dataDir, `m${i}`),
      process: null,
      exited: null,
      expectExit: false,
    }));
    this.endpoints = this.members.map((m) => `127.0.0.1:${m.clientPort}`);
  }

  clientSpec(maxSockets: number, client: ClientKind = 'etcd-json'): ClientSpec {
    return { system: 'etcd', client, endpoints: this.endpoints, maxSockets, attemptTimeoutMs: 5000, opDeadlineMs: 20_000 };
  }

  startAll(): void {
    for (let i = 0; i < this.members.length; i++) this.spawnMember(i);
  }

  private spawnMember(index: number): void {
    const m = this.members[index];
    mkdirSync(m.dataDir, { recursive: true });
    const cluster = this.members.map((x) => `${x.name}=http://127.0.0.1:${x.peerPort}`).join(',');
    const args = [
      '--name', m.name,
      '--data-dir', m.dataDir,
      '--listen-client-urls', `http://127.0.0.1:${m.clientPort}`,
      '--advertise-client-urls', `http://127.0.0.1:${m.clientPort}`,
      '--listen-peer-urls', `http://127.0.0.1:${m.peerPort}`,
      '--initial-advertise-peer-urls', `http://127.0.0.1:${m.peerPort}`,
      '--initial-cluster', cluster,
      '--initial-cluster-token', `bench-${process.pid}-${this.opts.ports[0]}`,
      '--initial-cluster-state', 'new',
      '--logger', 'zap',
      '--log-level', 'error',
      ...(this.opts.timeouts
        ? ['--heartbeat-interval', String(this.opts.timeouts.heartbeatMs), '--election-timeout', String(this.opts.timeouts.electionTimeoutMs)]
        : []),
    ];
    const child = spawn(this.opts.binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    m.process = child;
    m.expectExit = false;
    child.stderr!.on('data', (c: Buffer) => {
      this.stderrTail = (this.stderrTail + c.toString('utf8')).slice(-2000);
    });
    m.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        if (m.process === child) m.process = null;
        if (!m.expectExit) this.opts.onUnexpectedExit?.(index, code, signal);
        resolve();
      }),
    );
  }

  private statusAll(): Promise<(EtcdMemberStatus | null)[]> {
    return Promise.all(this.members.map((m, i) => (m.process ? etcdStatus(this.agent, this.endpoints[i], 1000) : Promise.resolve(null))));
  }

  async waitForLeader(timeoutMs: number): Promise<LeaderView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const all = await this.statusAll();
      const leaderIdx = all.findIndex((s) => s !== null && s.leaderId !== '0' && s.leaderId === s.memberId);
      const agree = leaderIdx >= 0 && all.every((s, i) => s === null || this.members[i].process === null || s.leaderId === all[leaderIdx]!.leaderId);
      if (agree) return { index: leaderIdx, term: all[leaderIdx]!.raftTerm };
      if (Date.now() > deadline) throw new Error(`etcd: no leader within ${timeoutMs} ms${this.stderrTail ? `; stderr: ${this.stderrTail.trim().split('\n').pop()}` : ''}`);
      await sleep(50);
    }
  }

  async maxTerm(): Promise<number | null> {
    const terms = (await this.statusAll()).flatMap((s) => (s ? [s.raftTerm] : []));
    return terms.length === 0 ? null : Math.max(...terms);
  }

  async kill(index: number): Promise<void> {
    const m = this.members[index];
    if (!m.process) return;
    m.expectExit = true;
    m.process.kill('SIGKILL');
    await m.exited;
  }

  async restart(index: number): Promise<void> {
    this.spawnMember(index);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const s = await etcdStatus(this.agent, this.endpoints[index], 1000);
      if (s !== null && s.leaderId !== '0') return;
      if (this.members[index].process === null) throw new Error(`etcd member ${index} exited on restart: ${this.stderrTail.trim()}`);
      await sleep(20);
    }
    throw new Error(`etcd member ${index} did not serve within 60 s of its restart`);
  }

  pids(): (number | null)[] {
    return this.members.map((m) => m.process?.pid ?? null);
  }

  async waitCaughtUp(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const all = await this.statusAll();
      if (all.every((s) => s !== null)) {
        const target = Math.max(...all.map((s) => s!.raftIndex));
        if (all.every((s) => s!.raftAppliedIndex >= target)) return true;
      }
      await sleep(100);
    }
    return false;
  }

  raftlogPaths(): string[] | null {
    return null;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.members.map(async (m) => {
        if (!m.process) return;
        m.expectExit = true;
        m.process.kill('SIGTERM');
        const t = setTimeout(() => m.process?.kill('SIGKILL'), 5000);
        await m.exited;
        clearTimeout(t);
      }),
    );
    this.agent.destroy();
  }
}

export async function startEtcdSystem(opts: EtcdOptions, version: string): Promise<SystemUnderTest> {
  const sys = new EtcdSystem(opts, version);
  sys.startAll();
  try {
    await sys.waitForLeader(60_000);
  } catch (err) {
    await sys.stop();
    throw err;
  }
  return sys;
}
