// A tiny in-test network of real RaftCores over MemoryLogs, for the core's unit tests: it drives the core's Ready
// contract directly (persist a Ready's entries and hard state, deliver its messages, record what it committed, advance)
// one Ready and one message at a time, so a test can script exact interleavings, intercept messages and inspect every
// Ready, as etcd-io/raft's own tests drive raft through their `network`. It is not a runtime: the runtime that ships
// (src/node/runtime.ts), with its own ordering (a leader's appends before its fsync, write-behind raftlog, forwarding),
// is what the simulator (src/sim/) runs. Links can be cut one way or both; messages can be intercepted.
import { RaftCore } from '../../src/raft/core.js';
import { MemoryLog } from '../../src/raft/memory-log.js';
import {
  DEFAULT_RAFT_TUNING,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  type RaftConfig,
  type Ready,
  type ReadState,
} from '../../src/raft/types.js';
import { seededRandom } from '../../src/util/seeded-random.js';

export interface TestNode {
  id: NodeId;
  core: RaftCore;
  log: MemoryLog;
  hard: HardState;
  applied: Entry[];
  reads: ReadState[];
  failedReads: number[];
  readys: Ready[];
}

export type CoreFactory = (cfg: RaftConfig, log: MemoryLog, hs: HardState, applied: number) => RaftCore;

export interface NetOptions {
  seed?: number;
  tuning?: Partial<Omit<RaftConfig, 'id' | 'peers' | 'random'>>;
  factory?: CoreFactory;
  /** Keep every Ready (for determinism checks). */
  recordReadys?: boolean;
}

export const ids = (n: number): NodeId[] => Array.from({ length: n }, (_, i) => `n${i + 1}`);

export class TestNet {
  readonly nodes = new Map<NodeId, TestNode>();
  /** "a>b" means messages from a to b are dropped. */
  private readonly cut = new Set<string>();
  /** Return false to drop a message (after seeing it). */
  filter: ((m: Message) => boolean) | null = null;
  private queue: Message[] = [];
  readonly sent: Message[] = [];
  private readonly seed: number;
  /** The initial voters (every node's configuration until a config entry reaches its log); `peers` is who runs. */
  readonly initialVoters: NodeId[];
  /** Nodes started with `join` (no configuration of their own until the log brings one). */
  private readonly joiners = new Set<NodeId>();

  constructor(
    readonly peers: NodeId[],
    private readonly opts: NetOptions = {},
  ) {
    this.seed = opts.seed ?? 1;
    this.initialVoters = peers.slice();
    for (const id of peers) this.start(id, new MemoryLog(), { term: 0, vote: null, commit: 0 });
  }

  config(id: NodeId): RaftConfig {
    const k = this.peers.indexOf(id);
    return {
      ...DEFAULT_RAFT_TUNING,
      electionTicks: 10,
      heartbeatTicks: 2,
      ...this.opts.tuning,
      id,
      peers: this.initialVoters,
      ...(this.joiners.has(id) ? { join: true } : {}),
      random: seededRandom(this.seed * 1000 + k),
    };
  }

  /** Starts a new node, empty, with `join` (issue 14): it serves the leader but is nobody's voter until added. */
  join(id: NodeId): TestNode {
    if (this.nodes.has(id)) throw new Error(`${id} already runs`);
    this.peers.push(id);
    this.joiners.add(id);
    return this.start(id, new MemoryLog(), { term: 0, vote: null, commit: 0 });
  }

  /** (Re)starts a node over the given durable state, as a restarted process would. */
  start(id: NodeId, log: MemoryLog, hard: HardState, applied: Entry[] = []): TestNode {
    const cfg = this.config(id);
    const lastApplied = applied.length > 0 ? applied[applied.length - 1].index : 0;
    const core = this.opts.factory ? this.opts.factory(cfg, log, hard, lastApplied) : new RaftCore(cfg, log, hard, lastApplied);
    const node: TestNode = { id, core, log, hard, applied, reads: [], failedReads: [], readys: [] };
    this.nodes.set(id, node);
    return node;
  }

  /** Restart from what was persisted (everything advanced so far). */
  restart(id: NodeId): TestNode {
    const old = this.node(id);
    return this.start(id, old.log, { ...old.hard }, old.applied);
  }

  node(id: NodeId): TestNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  core(id: NodeId): RaftCore {
    return this.node(id).core;
  }

  isolate(id: NodeId): void {
    for (const p of this.peers) {
      if (p === id) continue;
      this.cut.add(`${id}>${p}`);
      this.cut.add(`${p}>${id}`);
    }
  }

  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}>${to}`);
  }

  heal(): void {
    this.cut.clear();
  }

  /** Processes one Ready of one node the way the runtime does; returns it (or null if none). */
  processReady(id: NodeId): Ready | null {
    const n = this.node(id);
    if (!n.core.hasReady()) return null;
    const rd = n.core.ready();
    n.log.append(rd.entries);
    if (rd.hardState) n.hard = { ...rd.hardState };
    for (const m of rd.messages) this.enqueue(m);
    n.applied.push(...rd.committed);
    n.reads.push(...rd.reads);
    n.failedReads.push(...rd.failedReads);
    if (this.opts.recordReadys) n.readys.push(structuredClone(rd));
    n.core.advance(rd);
    return rd;
  }

  private enqueue(m: Message): void {
    this.sent.push(m);
    if (this.cut.has(`${m.from}>${m.to}`)) return;
    if (this.filter && !this.filter(m)) return;
    this.queue.push(m);
  }

  /** Runs Readys and deliveries until nothing moves (bounded). */
  run(maxRounds = 10_000): void {
    for (let round = 0; round < maxRounds; round++) {
      let moved = false;
      for (const id of this.peers) while (this.processReady(id)) moved = true;
      const batch = this.queue;
      this.queue = [];
      for (const m of batch) {
        const target = this.nodes.get(m.to);
        if (target) target.core.step(m);
        moved = true;
      }
      if (!moved) return;
    }
    throw new Error('network did not settle');
  }

  tick(times = 1, only?: NodeId[]): void {
    for (let t = 0; t < times; t++) {
      for (const id of only ?? this.peers) this.core(id).tick();
      this.run();
    }
  }

  leaders(): NodeId[] {
    return this.peers.filter((id) => this.core(id).status().role === 'leader');
  }

  /** Ticks until exactly one leader exists (bounded); returns it. */
  electLeader(maxTicks = 500): NodeId {
    for (let t = 0; t < maxTicks; t++) {
      const ls = this.leaders();
      if (ls.length === 1) return ls[0];
      this.tick();
    }
    throw new Error('no leader elected');
  }

  /** Proposes on the leader and runs until the network settles. */
  propose(leader: NodeId, data: string, tid = `tid-${data}`): void {
    const r = this.core(leader).propose('add', tid, data, '');
    if (!r.ok) throw new Error(`${leader} is not leader`);
    this.run();
  }
}

export function entry(index: number, term: number, data = ''): Entry {
  return { index, term, type: data === '' ? 'noop' : 'add', tid: data === '' ? '' : `t${index}.${term}`, data, key: '' };
}
