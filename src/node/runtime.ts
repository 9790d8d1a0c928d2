// The node runtime: wires the pure RaftCore to a clock, a durable store and a peer transport, all injected as ports
// (hashicorp/raft's NewRaft takes every port the same way). The node program passes Node's timers, NodeStorage and the
// XML-RPC PeerTransport; the simulator (src/sim/node.ts) passes its simulated clock, disk and network, so the code
// below, ordering included, is what the simulator's faults and invariant checks exercise. Its heart is the Ready loop,
// which runs one Ready at a time:
//   persist entries + hard state (one fsync covers everything that arrived since the last one: group commit)
//   -> send messages (responses answer the waiting XML-RPC call that carried the request)
//   -> apply committed entries (raftlog, key-value store, waiting clients) -> serve reads -> core.advance().
// Inputs (ticks, peer messages, proposals, reads) are stepped into the core the moment they arrive, even while an
// fsync is under way; the core holds them until advance(), so they all ride the next Ready.
import type {
  AppendRequest,
  AppendResponse,
  Entry,
  HardState,
  LogReader,
  Message,
  NodeId,
  RaftConfig,
  Ready,
  SoftState,
  CoreStatus,
  TimeoutNow,
  TransferResult,
  ConfChange,
  ConfChangeResult,
  VoteRequest,
  VoteResponse,
} from '../raft/types.js';
import { RaftAssertionError } from '../raft/assert.js';
import { RaftCore } from '../raft/core.js';
import type { DurableStore } from '../storage/durable-store.js';
import { WriteBehind } from '../storage/write-behind.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { CommitWaiters } from './commit-waiters.js';
import { LeaderContact, PeerIsolation, timeoutNow } from './fault-injection.js';
import { KvStore } from './kv-store.js';
import { PendingRequests, TimeoutError } from './pending-requests.js';

/** The transport port: sends Raft requests to peers; their answers come back through TransportEvents. */
export interface PeerSender {
  /** Sends at once, never waiting for another peer (one pipeline per peer). timeoutNow is one-way: no answer. */
  send(m: VoteRequest | AppendRequest | TimeoutNow): void;
  close(): void;
}

export interface TransportEvents {
  /** A peer's answer to a request we sent. */
  onResponse(m: Message): void;
  /** A request to this peer failed (timeout, refused, garbled answer): the core stops pipelining to it and probes. */
  onUnreachable(peer: NodeId): void;
}

export type CoreFactory = (cfg: RaftConfig, log: LogReader, hardState: HardState, applied: number) => RaftCore;

export interface RuntimeOptions {
  raft: RaftConfig;
  tickMs: number;
  /** The longest election timeout in ms (2 * electionTimeoutMs): bounds peer calls and internal waits. */
  maxElectionMs: number;
  storage: DurableStore;
  logger: Logger;
  /** Storage failed: the process cannot continue safely. */
  onFatal: (err: Error) => void;
  clock: Clock;
  /** Builds the transport, given where its answers and failures go. */
  transport: (events: TransportEvents) => PeerSender;
  /** Builds the core (the simulator's broken variants override its hooks); default: RaftCore. */
  makeCore?: CoreFactory;
  /** Called for every applied entry, in index order (the simulator's invariant checks). */
  onApplied?: (e: Entry) => void;
  /**
   * Every node that may be a member (cluster.json's nodes): whom this node talks to and takes peer calls from. Which of
   * them are voters or learners right now is the core's configuration (default: the initial voters, raft.peers).
   */
  knownNodes?: NodeId[];
}

/** The answer to a proposal: committed, overwritten/timed out, or not the leader (with whom to ask instead). */
export type ProposalOutcome = { kind: 'done'; committed: boolean } | { kind: 'not-leader'; leader: NodeId | null };

/** The tid was used, within the dedupe window, for an entry with other content (the one at `index`). */
export class TidConflictError extends Error {
  constructor(
    readonly tid: string,
    readonly index: number,
  ) {
    super(`tid already used for another entry (index ${index})`);
    this.name = 'TidConflictError';
  }
}

export class NotLeaderError extends Error {
  constructor(readonly leader: NodeId | null) {
    super(leader ? `not the leader (the leader is ${leader})` : 'not the leader, and no leader is known');
    this.name = 'NotLeaderError';
  }
}

/** A membership change the core refuses for good (not a member, unsafe without force, malformed). */
export class MembershipRefusedError extends Error {
  constructor(msg: string) {
    super(msg);
    this.name = 'MembershipRefusedError';
  }
}

/** A leadership transfer this node will not start (the target is this node, or not a member). */
export class TransferRefusedError extends Error {
  constructor(msg: string) {
    super(msg);
    this.name = 'TransferRefusedError';
  }
}

export class SuspendedError extends Error {
  constructor(msg = 'node is suspended') {
    super(msg);
    this.name = 'SuspendedError';
  }
}

export interface RuntimeStatus {
  id: NodeId;
  role: string;
  term: number;
  leader: NodeId | null;
  commitIndex: number;
  lastApplied: number;
  lastLogIndex: number;
  /** The other members of the configuration in force (voters and learners). */
  peers: NodeId[];
  voters: NodeId[];
  learners: NodeId[];
}

/** How often the commit summary is logged at info level (per-entry logging would cost more than the commit). */
const COMMIT_LOG_INTERVAL_MS = 1000;
export class NodeRuntime {
  readonly id: NodeId;
  readonly peers: NodeId[];
  /** The longest election timeout in ms: bounds waits that span an election. */
  readonly maxElectionMs: number;
  private readonly core: RaftCore;
  private readonly storage: DurableStore;
  private readonly logger: Logger;
  private readonly transport: PeerSender;
  private readonly clock: Clock;
  private readonly writeBehind: WriteBehind;
  private readonly kv = new KvStore();
  /** Peer requests waiting for the core's response (keyed by the reqId the core copies into it). */
  private readonly incoming: PendingRequests<Message>;
  /** ReadIndex requests (keyed by ctx) waiting for the index they may be served at. */
  private readonly reads: PendingRequests<number>;
  /** Reads whose index is known but not yet applied. */
  private readsAwaitingApply: { index: number; serve: () => void; fail: (err: Error) => void }[] = [];
  private readonly commits: CommitWaiters;
  /** Forwarding calls waiting to learn who leads (woken when a Ready names a leader, or on stop). */
  private readonly leaderWaiters = new Set<(leader: NodeId | null) => void>();

  private applied: number;
  private softState: SoftState;
  private tickTimer: TimerHandle | null = null;
  /** Lease mode: when the clock started and how many ticks the core has had (catchUpClock). */
  private clockStart = 0;
  private ticksGiven = 0;
  private commitLogTimer: TimerHandle | null = null;
  private loopScheduled = false;
  private loop: Promise<void> | null = null;
  private stopped = false;
  private suspendedUntil = 0;
  private suspendTimer: TimerHandle | null = null;
  private pauseTimer: TimerHandle | null = null;
  private pauseServer: (paused: boolean) => void = () => {};
  private appliedAtLastLog: number;
  /** Counters since the last commit summary: how well group commit and batching work under the current load. */
  private stats = { readys: 0, syncs: 0, appendsSent: 0, entriesSent: 0 };
  /** Dashboard hooks (fault-injection.ts): peers whose messages are dropped both ways, and the last leader contact. */
  readonly isolation: PeerIsolation;
  private readonly contact: LeaderContact;

  constructor(private readonly opts: RuntimeOptions) {
    this.id = opts.raft.id;
    this.peers = opts.knownNodes ?? opts.raft.peers;
    this.maxElectionMs = opts.maxElectionMs;
    this.clock = opts.clock;
    this.isolation = new PeerIsolation(opts.clock, (msg) => opts.logger.warn(msg));
    this.contact = new LeaderContact(opts.clock);
    this.incoming = new PendingRequests<Message>(opts.clock);
    this.reads = new PendingRequests<number>(opts.clock);
    this.commits = new CommitWaiters(opts.clock);
    this.storage = opts.storage;
    this.writeBehind = new WriteBehind(opts.storage, opts.clock, (err) => this.fatal(err));
    this.logger = opts.logger;
    this.applied = opts.storage.appliedIndex();
    this.appliedAtLastLog = this.applied;
    // Rebuild the key-value store from the raftlog: it is the applied state machine. Only 'set' entries change it, and
    // asking for just those lets storage skip decoding the rest (most of a 1,000,000-entry addEntry log). The core's
    // tid window reads the log itself.
    opts.storage.forEachCommitted((e) => this.kv.apply(e), 'set');
    const makeCore: CoreFactory = opts.makeCore ?? ((cfg, log, hs, applied) => new RaftCore(cfg, log, hs, applied));
    this.core = makeCore(opts.raft, opts.storage, opts.storage.hardState(), this.applied);
    this.softState = { role: 'follower', leader: null, term: opts.storage.hardState().term };
    this.transport = opts.transport({
      onResponse: (m) => this.stepFromNetwork(m),
      onUnreachable: (peer) => {
        if (this.stopped) return;
        this.input(() => this.core.reportUnreachable(peer));
        this.kick();
      },
    });
    const hs = opts.storage.hardState();
    this.logger.info(
      `starting: term ${hs.term}, vote ${hs.vote ?? 'none'}, log up to ${opts.storage.lastIndex()}, applied ${this.applied}, ` +
        `${this.peers.length} members, election ${opts.raft.electionTicks}x${opts.tickMs} ms, heartbeat ${opts.raft.heartbeatTicks}x${opts.tickMs} ms`,
    );
  }

  /**
   * Starts the clock. With ReadIndex, missed ticks are not replayed: a stalled event loop slows time rather than firing
   * elections. With leases they are: time is the monotonic clock's (catchUpClock), or a process stopped for seconds
   * would wake up believing its lease still held.
   */
  start(): void {
    const lease = this.opts.raft.readMode === 'lease';
    this.clockStart = this.clock.now();
    this.tickTimer = this.clock.setRepeating(() => {
      if (this.stopped) return;
      if (lease) this.catchUpClock();
      else this.input(() => this.core.tick());
      this.kick();
    }, this.opts.tickMs);
    this.commitLogTimer = this.clock.setRepeating(() => this.logCommitProgress(), COMMIT_LOG_INTERVAL_MS);
  }

  /**
   * Lease mode: gives the core every tick the monotonic clock has reached since start (thesis §6.4.1: a lease is only
   * as good as the clock that times it). Past ten election timeouts more ticks change nothing, so a long stop is cut
   * short there.
   */
  private catchUpClock(): void {
    const due = Math.floor((this.clock.now() - this.clockStart) / this.opts.tickMs);
    const cap = 10 * this.opts.raft.electionTicks;
    if (due - this.ticksGiven > cap) this.ticksGiven = due - cap;
    while (this.ticksGiven < due) {
      this.input(() => this.core.tick());
      this.ticksGiven++;
    }
  }

  /** Installed by main once the server runs: suspend() pauses it. */
  setServerPause(fn: (paused: boolean) => void): void {
    this.pauseServer = fn;
  }

  // ---------------------------------------------------------------- peer RPCs (incoming)

  /** Steps a peer's request into the core and resolves with the core's response once its Ready is persisted. */
  async handlePeerRequest(m: VoteRequest): Promise<VoteResponse>;
  async handlePeerRequest(m: AppendRequest): Promise<AppendResponse>;
  async handlePeerRequest(m: VoteRequest | AppendRequest): Promise<VoteResponse | AppendResponse> {
    if (this.isSuspended()) throw new SuspendedError();
    if (this.stopped) throw new Error('node is stopping');
    if (!this.peers.includes(m.from) || m.from === this.id) throw new Error(`${m.from} is not a member of this cluster`);
    if (this.isolation.blocks(m.from)) throw new SuspendedError(`isolated from ${m.from}`);
    if (m.type === 'append') this.contact.heard(m.from);
    const { id, answer } = this.incoming.register(this.opts.maxElectionMs * 2, `${m.type} from ${m.from}`);
    this.input(() => this.core.step({ ...m, reqId: id }));
    this.kick();
    const resp = await answer;
    if (resp.type !== 'voteResp' && resp.type !== 'appendResp') throw new Error('internal: request answered with a request');
    return resp;
  }

  /**
   * A one-way peer message (leadership transfer's timeoutNow, thesis §3.10): stepped into the core, nothing answered.
   * The core itself checks it comes from the leader it follows in its term.
   */
  handlePeerMessage(m: TimeoutNow): void {
    if (this.isSuspended()) throw new SuspendedError();
    if (this.stopped) throw new Error('node is stopping');
    if (!this.peers.includes(m.from) || m.from === this.id) throw new Error(`${m.from} is not a member of this cluster`);
    if (this.isolation.blocks(m.from)) throw new SuspendedError(`isolated from ${m.from}`);
    this.input(() => this.core.step(m));
    this.kick();
  }

  /**
   * Leadership transfer (thesis §3.10): this leader stops taking writes for at most an election timeout, brings
   * `target` up to date and tells it to campaign at once. Resolves with the core's verdict on starting it.
   */
  transferLeadership(target: NodeId): TransferResult {
    if (this.isSuspended()) throw new SuspendedError();
    // A lease rests on followers' promise not to campaign early; a transfer breaks it on purpose, and the core stops
    // serving lease reads for the rest of the term once it sends timeoutNow.
    const res = this.input(() => this.core.transferLeadership(target));
    this.kick();
    return res;
  }

  /**
   * Membership change (Raft thesis ch. 4, one server at a time): add a learner, promote a caught-up learner, remove a
   * member. The core decides (one change at a time, the 2015 fix, the in-sync and strict-reconfig checks); the change
   * takes effect when its config entry is appended.
   */
  changeMembership(change: ConfChange, opts: { force?: boolean } = {}): ConfChangeResult {
    if (this.isSuspended()) throw new SuspendedError();
    const res = this.input(() => this.core.proposeConfChange(change, opts));
    this.kick();
    return res;
  }

  /**
   * The admin's `member add` / `member remove` (Raft thesis ch. 4, one server at a time), waiting until done:
   * add makes `node` a learner, waits until its log is close to the leader's and promotes it (thesis §4.2.1: a new
   * server catches up without voting, so it cannot stall commits); remove takes it out of the configuration (the
   * leader itself included: it steps down once the change commits). Each change waits for the previous one to commit
   * and for an entry of this leader's term to commit (the 2015 fix); both are retried here until timeoutMs. Resolves
   * with the configuration then in force.
   */
  async member(op: 'add' | 'remove', node: NodeId, timeoutMs: number, force = false): Promise<{ voters: NodeId[]; learners: NodeId[] }> {
    const deadline = this.clock.now() + timeoutMs;
    const conf = (): { voters: NodeId[]; learners: NodeId[] } => {
      const st = this.core.status();
      return { voters: st.voters, learners: st.learners };
    };
    const steps: ('add-learner' | 'promote' | 'remove')[] = op === 'remove' ? ['remove'] : ['add-learner', 'promote'];
    for (const step of steps) {
      if (step === 'add-learner' && (conf().voters.includes(node) || conf().learners.includes(node))) continue;
      if (step === 'promote' && conf().voters.includes(node)) continue;
      for (;;) {
        const res = this.changeMembership({ op: step, node }, { force });
        if (res.ok) {
          await this.waitCommitted(res.index, res.term, deadline, `${step} ${node}`);
          break;
        }
        if (res.reason === 'not-leader') throw new NotLeaderError(res.leader);
        if (res.reason === 'no-op') {
          if (res.index > 0) await this.waitCommitted(res.index, null, deadline, `${step} ${node}`);
          break;
        }
        if (res.reason === 'not-member' || res.reason === 'invalid') {
          throw new MembershipRefusedError(res.reason === 'invalid' ? `member ${op}: ${res.why}` : `member ${op}: ${node} is not a member`);
        }
        if (res.reason === 'unsafe') {
          throw new MembershipRefusedError(
            `member ${op} ${node}: the new voters would have ${res.active} recently active, fewer than their quorum of ${res.quorum} (--force to do it anyway)`,
          );
        }
        // change-pending, no-term-commit, not-caught-up, transferring: worth waiting for, within the deadline.
        if (this.stopped || this.clock.now() >= deadline) {
          throw new TimeoutError(`member ${op} ${node}: still ${res.reason} after ${timeoutMs} ms`);
        }
        await new Promise<void>((resolve) => this.clock.setTimer(resolve, this.opts.tickMs));
      }
    }
    return conf();
  }

  /** Waits until `index` is committed here holding an entry of `term` (null: any); throws if it was overwritten. */
  private async waitCommitted(index: number, term: number | null, deadline: number, what: string): Promise<void> {
    for (;;) {
      const st = this.core.status();
      if (st.commitIndex >= index) {
        if (term !== null && this.storage.term(index) !== term) throw new Error(`${what}: the change was overwritten by a new leader; retry`);
        return;
      }
      if (st.role !== 'leader') throw new NotLeaderError(st.leader);
      if (this.stopped || this.clock.now() >= deadline) throw new TimeoutError(`${what}: not committed in time`);
      await new Promise<void>((resolve) => this.clock.setTimer(resolve, this.opts.tickMs));
    }
  }

  /**
   * The admin's transfer: starts a leadership transfer to `target` and waits (bounded) until this node has stepped
   * down and knows the new leader, which it returns. Throws NotLeaderError when this node does not lead,
   * TransferRefusedError for a target that cannot take over, TimeoutError when no new leader appeared in time (the core
   * has then abandoned the transfer and leads on).
   */
  async transfer(target: NodeId, timeoutMs: number): Promise<NodeId> {
    const res = this.transferLeadership(target);
    if (!res.ok) {
      if (res.reason === 'not-leader') throw new NotLeaderError(res.leader);
      throw new TransferRefusedError(
        res.reason === 'self' ? `transfer: ${target} already leads` : `transfer: ${target} is not another member of this cluster`,
      );
    }
    const deadline = this.clock.now() + timeoutMs;
    for (;;) {
      const st = this.core.status();
      if (st.role !== 'leader' && st.leader !== null) return st.leader;
      if (this.stopped || this.clock.now() >= deadline) {
        throw new TimeoutError(`transfer to ${target}: no new leader within ${timeoutMs} ms (still ${st.role})`);
      }
      await new Promise<void>((resolve) => this.clock.setTimer(resolve, this.opts.tickMs));
    }
  }

  /**
   * Every connection a peer made to our server was closed from its end. If that peer is the leader we follow, its
   * process has most likely died (the kernel closes all its sockets at once): the core brings its election forward.
   */
  senderConnectionsLost(peer: NodeId): void {
    if (this.stopped || this.isSuspended() || !this.peers.includes(peer)) return;
    if (this.core.status().leader !== peer || this.core.status().role !== 'follower') return;
    this.logger.info(`every connection from leader ${peer} closed: it has probably stopped; starting an early election`);
    this.input(() => this.core.leaderUnreachable(peer));
    this.kick();
  }

  // ---------------------------------------------------------------- client operations (local; forwarding is elsewhere)

  /** Proposes an entry if this node leads, then waits until the proposed index is applied (or timeoutMs passes). */
  async propose(type: 'add' | 'set', tid: string, data: string, key: string, timeoutMs: number): Promise<ProposalOutcome> {
    if (this.isSuspended()) return { kind: 'not-leader', leader: null };
    const res = this.input(() => this.core.propose(type, tid, data, key));
    if (!res.ok && res.reason === 'tid-conflict') throw new TidConflictError(tid, res.index);
    // Handing leadership over: not taken now, and the client retries (the same tid) with the next leader.
    if (!res.ok && res.reason === 'transferring') return { kind: 'done', committed: false };
    if (!res.ok) return { kind: 'not-leader', leader: res.leader };
    this.kick();
    // A repeated tid answers for the first entry: already applied means already committed.
    if (res.duplicate && res.index <= this.applied) return { kind: 'done', committed: true };
    const committed = await this.commits.wait(res.index, tid, timeoutMs);
    return { kind: 'done', committed };
  }

  /** A linearizable read (ReadIndex): throws NotLeaderError if this node cannot confirm it leads. */
  async read(key: string, timeoutMs: number): Promise<string> {
    if (this.isSuspended()) throw new SuspendedError();
    const st = this.core.status();
    if (st.role !== 'leader') throw new NotLeaderError(st.leader);
    // A lease is judged by the clock as it is now, not as the last timer callback left it.
    if (this.opts.raft.readMode === 'lease') this.catchUpClock();
    const { id, answer } = this.reads.register(timeoutMs, `read of ${JSON.stringify(key)}`);
    this.input(() => this.core.readIndex(id));
    this.kick();
    const index = await answer;
    if (index <= this.applied) return this.kv.get(key);
    return new Promise<string>((resolve, reject) => {
      this.readsAwaitingApply.push({ index, serve: () => resolve(this.kv.get(key)), fail: reject });
    });
  }

  /**
   * Waits (bounded) until some leader is known; null if none appeared in time. Woken by the Ready that reports the
   * leader rather than by polling, so a forwarded write leaves the moment this node hears of a new leader.
   */
  waitForLeader(timeoutMs: number): Promise<NodeId | null> {
    const known = this.leader();
    if (known !== null || this.stopped) return Promise.resolve(known);
    return new Promise((resolve) => {
      const waiter = (leader: NodeId | null): void => {
        this.clock.clearTimer(timer);
        this.leaderWaiters.delete(waiter);
        resolve(leader);
      };
      const timer = this.clock.setTimer(() => waiter(this.leader()), timeoutMs);
      this.leaderWaiters.add(waiter);
    });
  }

  isLeader(): boolean {
    return !this.isSuspended() && this.core.status().role === 'leader';
  }

  leader(): NodeId | null {
    return this.isSuspended() ? null : this.core.status().leader;
  }

  status(): RuntimeStatus {
    const st = this.core.status();
    return {
      id: this.id,
      role: st.role,
      term: st.term,
      leader: st.leader,
      commitIndex: st.commitIndex,
      lastApplied: this.applied,
      lastLogIndex: st.lastLogIndex,
      peers: [...st.voters, ...st.learners].filter((p) => p !== this.id),
      voters: st.voters,
      learners: st.learners,
    };
  }

  /**
   * Cuts the node off for `seconds`: it keeps ticking, but sends nothing, answers nothing (the server drops
   * connections) and ignores replies still arriving. Pre-vote keeps it from deposing the leader when it returns.
   */
  suspend(seconds: number): void {
    this.suspendedUntil = this.clock.now() + seconds * 1000;
    this.logger.warn(`suspended for ${seconds} s: no messages in or out`);
    this.incoming.rejectAll(new SuspendedError());
    // Pause the server only after the reply to this very call is on its way.
    this.clock.clearTimer(this.pauseTimer);
    this.pauseTimer = this.clock.setTimer(() => {
      this.pauseTimer = null;
      if (this.isSuspended()) this.pauseServer(true);
    }, 20);
    this.clock.clearTimer(this.suspendTimer);
    this.suspendTimer = this.clock.setTimer(() => this.endSuspension(), seconds * 1000);
  }

  /** Ends a suspension now (its timer, or the simulator healing every fault). */
  endSuspension(): void {
    if (this.suspendTimer === null && !this.isSuspended()) return;
    this.clock.clearTimer(this.suspendTimer);
    this.suspendTimer = null;
    this.suspendedUntil = 0;
    this.pauseServer(false);
    this.logger.warn('suspension over: rejoining the cluster');
  }

  isSuspended(): boolean {
    return this.clock.now() < this.suspendedUntil;
  }

  /** For observe-handlers.ts: the core's full view (vote, per-follower progress) and ms since leader contact. */
  observe(): { core: CoreStatus; leaderContactMs: number } {
    const core = this.core.status();
    return { core, leaderContactMs: this.contact.sinceMs(core.leader) };
  }

  /** The last n entries of the log (n bounded by the caller), oldest first. */
  logTail(n: number): Entry[] {
    const last = this.storage.lastIndex();
    return this.storage.entries(Math.max(1, last - n + 1), last + 1);
  }

  /** Times out this node's election timer now (fault-injection.ts timeoutNow); returns the role it moved to. */
  campaign(): string {
    if (this.isSuspended()) throw new SuspendedError();
    // Forcing the timer would break this follower's promise not to help elect anyone within an election timeout of
    // hearing the leader, and the leader's lease rests on that promise.
    if (this.opts.raft.readMode === 'lease') throw new Error('campaign is not available with readMode "lease": it would break the lease');
    const role = timeoutNow(this.core, 2 * this.opts.raft.electionTicks + 1);
    this.kick();
    return role;
  }

  /** Stops ticking, lets the current Ready finish, fails every waiter, syncs and closes storage. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.isolation.stop();
    this.writeBehind.stop();
    for (const t of [this.tickTimer, this.commitLogTimer, this.suspendTimer, this.pauseTimer]) this.clock.clearTimer(t);
    if (this.loop) await this.loop;
    this.transport.close();
    const stopping = new Error('node is stopping');
    this.incoming.rejectAll(stopping);
    this.reads.rejectAll(stopping);
    for (const r of this.readsAwaitingApply) r.fail(stopping);
    this.readsAwaitingApply = [];
    this.commits.failAll();
    for (const w of [...this.leaderWaiters]) w(null);
    this.logCommitProgress();
    this.writeBehind.flush();
    await this.storage.sync();
    await this.storage.close();
  }

  // ---------------------------------------------------------------- the Ready loop

  private stepFromNetwork(m: Message): void {
    if (this.stopped || this.isSuspended() || this.isolation.blocks(m.from)) return;
    this.input(() => this.core.step(m));
    this.kick();
  }

  /**
   * Schedules the loop on setImmediate rather than running it inline, so every request parsed in the same turn of the
   * event loop is stepped first and lands in the same Ready (one fsync, one batch per peer).
   */
  private kick(): void {
    if (this.loopScheduled || this.loop !== null || this.stopped) return;
    this.loopScheduled = true;
    this.clock.defer(() => {
      this.loopScheduled = false;
      if (this.loop !== null || this.stopped) return;
      this.loop = this.runLoop().finally(() => {
        this.loop = null;
      });
    });
  }

  private async runLoop(): Promise<void> {
    try {
      // Exactly one Ready outstanding: the next is taken only after advance() of the previous.
      while (!this.stopped && this.core.hasReady()) {
        const rd = this.core.ready();
        await this.handleReady(rd);
        this.core.advance(rd);
      }
    } catch (err) {
      this.fatal(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /**
   * Steps an input into the core. A RaftAssertionError means the core's state is one Raft rules out: the node stops
   * (onFatal) rather than go on from it; the caller still gets the error.
   */
  private input<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof RaftAssertionError) this.fatal(err);
      throw err;
    }
  }

  private fatal(err: Error): void {
    if (this.stopped) return;
    this.stopped = true;
    this.opts.onFatal(err);
  }

  private async handleReady(rd: Ready): Promise<void> {
    this.stats.readys++;
    if (rd.mustSync) this.stats.syncs++;
    if (rd.entries.length > 0) this.storage.append(rd.entries);
    if (rd.hardState) this.storage.setHardState(rd.hardState);
    // Committed entries handed out are already durable in the WAL (the core hands out only persisted ones), so their
    // raftlog lines may ride this Ready's fsync, or a later one, instead of costing one of their own.
    this.writeBehind.committed(rd.committed);
    // What may leave before our own fsync (sendsBeforeSync) goes now; everything else waits for the disk.
    // One pass splits them (this runs for every Ready: no second scan, no lookups of one list in the other).
    let later = rd.messages;
    if (rd.mustSync) {
      const early: Message[] = [];
      later = [];
      for (const m of rd.messages) (this.sendsBeforeSync(m, rd) ? early : later).push(m);
      if (early.length > 0) this.dispatch(early);
    }
    if (rd.mustSync) await this.storage.sync();
    this.writeBehind.afterReady(!rd.mustSync && (rd.hardState !== null || rd.committed.length > 0));

    this.noteSoftState(rd.softState);
    this.dispatch(later);
    this.apply(rd.committed);
    for (const r of rd.reads) this.reads.resolve(r.ctx, r.index);
    for (const ctx of rd.failedReads) this.reads.reject(ctx, new NotLeaderError(rd.softState.leader));
  }

  /**
   * Whether a message of a Ready that must be synced may leave before the sync. A leader's AppendRequests may (Raft
   * thesis §10.2.1): the core counts the leader's own entries toward commit only once advance() says they are
   * durable, so followers persisting in parallel with us is safe and saves one fsync of latency. Votes and responses
   * may not: they promise what the disk must already hold. (A broken variant in src/sim/variants.ts overrides this.)
   */
  protected sendsBeforeSync(m: Message, rd: Ready): boolean {
    return m.type === 'append' && rd.softState.role === 'leader';
  }

  private dispatch(messages: Message[]): void {
    const cutOff = this.isSuspended();
    for (const m of messages) {
      if (m.type === 'voteResp' || m.type === 'appendResp') {
        // A response answers the XML-RPC call that carried its request; everything it depends on is now durable.
        if (m.reqId === undefined) continue;
        if (cutOff) this.incoming.reject(m.reqId, new SuspendedError());
        else this.incoming.resolve(m.reqId, m);
      } else if (!cutOff && !this.isolation.blocks(m.to)) {
        if (m.type === 'append') {
          this.stats.appendsSent++;
          this.stats.entriesSent += m.entries.length;
        }
        this.transport.send(m);
      }
    }
  }

  private apply(committed: Entry[]): void {
    if (committed.length === 0) return;
    for (const e of committed) {
      this.kv.apply(e);
      this.applied = e.index;
      this.opts.onApplied?.(e);
      this.commits.applied(e.index, e.tid);
    }
    if (this.readsAwaitingApply.length > 0) {
      const ready = this.readsAwaitingApply.filter((r) => r.index <= this.applied);
      this.readsAwaitingApply = this.readsAwaitingApply.filter((r) => r.index > this.applied);
      for (const r of ready) r.serve();
    }
  }

  // ---------------------------------------------------------------- logging

  private noteSoftState(s: SoftState): void {
    const prev = this.softState;
    if (prev.role === s.role && prev.term === s.term && prev.leader === s.leader) return;
    this.softState = s;
    if (s.leader !== null && !this.isSuspended()) for (const w of [...this.leaderWaiters]) w(s.leader);
    if (s.role !== prev.role) {
      const why =
        s.role === 'precandidate'
          ? ' (election timeout: asking for pre-votes)'
          : s.role === 'candidate'
            ? ' (pre-vote won: campaigning)'
            : s.role === 'leader'
              ? ' (won the election)'
              : '';
      this.logger.info(`role ${prev.role} -> ${s.role} in term ${s.term}${why}`);
    } else if (s.term !== prev.term) {
      this.logger.info(`term ${prev.term} -> ${s.term} (${s.role})`);
    }
    if (s.leader !== prev.leader && s.leader !== null && s.leader !== this.id) {
      this.logger.info(`leader is ${s.leader} (term ${s.term})`);
    }
  }

  private logCommitProgress(): void {
    if (this.applied === this.appliedAtLastLog) return;
    const st = this.stats;
    this.logger.info(
      `committed and applied up to index ${this.applied} (+${this.applied - this.appliedAtLastLog}), term ${this.softState.term}; ` +
        `${st.readys} Readys, ${st.syncs} fsyncs, ${st.appendsSent} appendEntriesRPC sent carrying ${st.entriesSent} entries`,
    );
    this.appliedAtLastLog = this.applied;
    this.stats = { readys: 0, syncs: 0, appendsSent: 0, entriesSent: 0 };
  }
}
