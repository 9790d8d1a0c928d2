// One simulated node: the real core plus the runtime around it, following the Ready rules of src/raft/types.ts
// (persist and sync, then send, then apply, then serve reads, then advance). A sync takes simulated time, during which
// the core keeps receiving ticks and messages; a crash during it loses the Ready. Clients are answered as the node
// program answers them: a write once its entry is applied with the client's tid, a read once ReadIndex confirms it and
// the state machine has caught up.
import type { Entry, Message, NodeId, RaftConfig, Ready } from '../raft/types.js';
import type { ClientRequest, ClientResponse } from './client-protocol.js';
import { SimDisk } from './disk.js';
import type { InvariantChecker } from './invariants.js';
import type { SimNetwork } from './network.js';
import type { ObservableCore } from './observable-core.js';
import type { SimRandom } from './sim-random.js';
import type { Trace } from './trace.js';
import type { Variant } from './variants.js';

export interface NodeEnv {
  rng: SimRandom;
  net: SimNetwork;
  trace: Trace;
  inv: InvariantChecker;
  variant: Variant;
  /** The current tick. */
  now(): number;
  /** A fresh core configuration (with its own random stream) for this node. */
  config(id: NodeId): RaftConfig;
  /** Hands a client answer to the client side (delivered after a small delay). */
  answer(resp: ClientResponse): void;
  /** The longest an fsync takes, in ticks (0 = instant). */
  maxSyncTicks: number;
  /** This boot's clock rate against simulated time (1 outside lease runs). */
  clockRate(): number;
  /** Lease runs: nodes keep monotonic clocks (advanceClock) instead of being ticked once per step. */
  leaseClock: boolean;
}

interface WaitingWrite {
  req: ClientRequest & { kind: 'add' | 'set' };
}

interface WaitingRead {
  req: ClientRequest & { kind: 'get' };
  index: number;
}

export class SimNode {
  readonly disk: SimDisk;
  core: ObservableCore | null = null;
  /** Paused (SIGSTOP): no ticks, nothing read from the network until this tick. */
  pausedUntil = -1;
  /** Suspended (the suspend RPC): ticks on, but drops all traffic in and out until this tick. */
  suspendedUntil = -1;

  private kv = new Map<string, string>();
  private applied: Entry[] = [];
  private persisting: { rd: Ready; doneAt: number } | null = null;
  private waitingWrites = new Map<number, WaitingWrite[]>();
  private readCtx = 0;
  private waitingReadIndex = new Map<number, ClientRequest & { kind: 'get' }>();
  private waitingApply: WaitingRead[] = [];
  /** Lease runs: the node's monotonic clock (rate, boot time) and the ticks its core has been given. */
  private clockRate = 1;
  private bootAt = 0;
  private ticksGiven = 0;

  constructor(
    readonly id: NodeId,
    private readonly env: NodeEnv,
  ) {
    this.disk = new SimDisk(env.variant.diskForgetsVote);
    this.start();
  }

  isUp(): boolean {
    return this.core !== null;
  }

  isPaused(): boolean {
    return this.env.now() < this.pausedUntil;
  }

  isSuspended(): boolean {
    return this.env.now() < this.suspendedUntil;
  }

  appliedIndex(): number {
    return this.applied.length;
  }

  // ---------------------------------------------------------------- lifecycle

  /** Boots (or reboots) from what the disk kept: WAL, hard state, raftlog. */
  start(): void {
    const kept = this.disk.raftlog();
    this.applied = kept.slice();
    this.kv = new Map();
    for (const e of kept) if (e.type === 'set') this.kv.set(e.key, e.data);
    this.core = this.env.variant.makeCore(this.env.config(this.id), this.disk.log, this.disk.hardState(), kept.length);
    this.clockRate = this.env.clockRate();
    this.bootAt = this.env.now();
    this.ticksGiven = 0;
    this.env.inv.onRestart(this.id, kept.length);
    this.note(`start: term ${this.disk.hardState().term}, log ${this.disk.log.lastIndex()}, applied ${kept.length}`);
  }

  /** kill -9: the process and the page cache are gone; clients waiting on it never hear back. */
  crash(): void {
    this.core = null;
    this.disk.crash();
    this.persisting = null;
    this.waitingWrites = new Map();
    this.waitingReadIndex = new Map();
    this.waitingApply = [];
    this.pausedUntil = -1;
    this.suspendedUntil = -1;
    this.env.inv.onCrash(this.id);
  }

  // ---------------------------------------------------------------- inputs

  /**
   * Lease runs: gives the core every tick its clock has reached, as the runtime does from a monotonic clock (so a
   * process that was stopped sees the time that passed before it answers anything).
   */
  advanceClock(): void {
    this.catchUpClock();
    this.pump();
  }

  private catchUpClock(): void {
    const due = Math.floor((this.env.now() - this.bootAt) * this.clockRate);
    while (this.core && this.ticksGiven < due) {
      this.core.tick();
      this.ticksGiven++;
    }
  }

  tick(): void {
    this.core?.tick();
    this.pump();
  }

  receive(m: Message): void {
    if (!this.core) return;
    this.core.step(m);
  }

  /** A client call arriving at this node's XML-RPC server. */
  onClientRequest(req: ClientRequest): void {
    const core = this.core;
    if (!core || this.isSuspended()) return; // no answer: the client times out
    if (req.kind === 'get') {
      // The runtime catches its clock up before a read (a lease must not be judged by a clock that was stopped).
      if (this.env.leaseClock) this.catchUpClock();
      const ctx = ++this.readCtx;
      this.waitingReadIndex.set(ctx, req);
      core.readIndex(ctx);
      return;
    }
    const result = core.propose(req.kind, req.tid, req.data, req.key);
    if (!result.ok) {
      // Simulated clients retry a tid only with the same request, so a tid conflict would be a simulator bug.
      if (result.reason === 'tid-conflict') throw new Error(`simulated client reused tid ${req.tid} for another entry`);
      this.env.answer({ client: req.client, attempt: req.attempt, ok: false, leader: result.leader });
      return;
    }
    const waiting = this.waitingWrites.get(result.index);
    if (waiting) waiting.push({ req });
    else this.waitingWrites.set(result.index, [{ req }]);
    // A retry of a write already applied here is answered at once.
    if (result.index <= this.applied.length) this.wakeWriters(this.applied[result.index - 1]);
  }

  /** Drives Readys until the core has nothing more, or an fsync is in progress. */
  pump(): void {
    for (let guard = 0; guard < 1000; guard++) {
      const core = this.core;
      if (!core) return;
      if (this.persisting) {
        if (this.persisting.doneAt > this.env.now() || this.isPaused()) return;
        const { rd } = this.persisting;
        this.persisting = null;
        this.finish(rd);
        continue;
      }
      if (!core.hasReady()) return;
      const rd = core.ready();
      const latency = rd.mustSync && this.env.maxSyncTicks > 0 ? this.env.rng.int(this.env.maxSyncTicks + 1) : 0;
      if (latency > 0) {
        this.persisting = { rd, doneAt: this.env.now() + latency };
        return;
      }
      this.finish(rd);
    }
    throw new Error(`${this.id}: Ready loop did not settle`);
  }

  // ---------------------------------------------------------------- the Ready, in order

  private finish(rd: Ready): void {
    const core = this.core!;
    // 1. persist (entries and a changed term/vote are synced; a commit-only change is written lazily)
    if (rd.entries.length > 0) {
      this.env.inv.onPersist(this.id, rd.entries, this.disk.log.lastIndex(), this.applied.length);
      this.env.trace.record({
        tick: this.env.now(),
        kind: 'persist',
        node: this.id,
        text: `entries ${rd.entries[0].index}..${rd.entries[rd.entries.length - 1].index} (term ${rd.entries[rd.entries.length - 1].term})`,
      });
    }
    if (rd.mustSync) this.disk.appendAndSync(rd.entries, rd.hardState);
    else if (rd.hardState) this.disk.writeHardState(rd.hardState);
    // 2. send
    const suspended = this.isSuspended();
    for (const m of rd.messages) {
      if (m.type === 'voteResp' && m.granted && !m.preVote) this.env.inv.onVoteGranted(this.id, m.term, m.to);
      if (suspended) continue;
      const fate = this.env.net.send(m, this.env.now());
      this.env.trace.record({ tick: this.env.now(), kind: fate === 'sent' ? 'send' : fate === 'lost' ? 'drop' : 'dup', node: this.id, msg: m });
    }
    // 3. apply
    for (const e of rd.committed) this.apply(e);
    // 4. reads
    for (const rs of rd.reads) {
      const req = this.waitingReadIndex.get(rs.ctx);
      if (!req) continue;
      this.waitingReadIndex.delete(rs.ctx);
      this.waitingApply.push({ req, index: rs.index });
    }
    for (const ctx of rd.failedReads) {
      const req = this.waitingReadIndex.get(ctx);
      if (!req) continue;
      this.waitingReadIndex.delete(ctx);
      this.env.answer({ client: req.client, attempt: req.attempt, ok: false, leader: core.status().leader });
    }
    this.serveReads();
    // 5. advance
    core.advance(rd);
  }

  private apply(e: Entry): void {
    this.env.inv.onApply(this.id, e, this.core!.termNow());
    this.applied.push(e);
    if (e.type === 'set') this.kv.set(e.key, e.data);
    this.disk.appendRaftlog(e);
    this.env.trace.record({
      tick: this.env.now(),
      kind: 'apply',
      node: this.id,
      text: `${e.index}/${e.term} ${e.type}${e.tid ? ' ' + e.tid : ''}${e.type === 'set' ? ` ${e.key}=${e.data}` : ''}`,
    });
    this.wakeWriters(e);
  }

  private wakeWriters(e: Entry): void {
    const waiting = this.waitingWrites.get(e.index);
    if (!waiting) return;
    this.waitingWrites.delete(e.index);
    for (const w of waiting) {
      // Another entry took this index (the proposal was overwritten after a leader change): the client retries.
      this.env.answer({ client: w.req.client, attempt: w.req.attempt, ok: e.tid === w.req.tid, leader: null });
    }
  }

  private serveReads(): void {
    if (this.waitingApply.length === 0) return;
    const still: WaitingRead[] = [];
    for (const w of this.waitingApply) {
      if (w.index <= this.applied.length) {
        const value = this.kv.get(w.req.key) ?? '';
        this.env.answer({ client: w.req.client, attempt: w.req.attempt, ok: true, value, leader: null });
      } else {
        still.push(w);
      }
    }
    this.waitingApply = still;
  }

  private note(text: string): void {
    this.env.trace.record({ tick: this.env.now(), kind: 'note', node: this.id, text });
  }
}
