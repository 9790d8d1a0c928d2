// One simulated node: the production NodeRuntime, ClientOps and XML-RPC handlers (src/node), unchanged, with only
// the clock, the disk and the network swapped for simulated ones (SimClock, SimDisk, the simulation's queues). So the
// runtime's own ordering runs under the simulator's faults and invariant checks: a leader's appends leaving before
// its fsync, raftlog batching and the lazy commit write, followers forwarding client calls to the leader, suspend.
// Peer messages skip the XML-RPC codec (the rpc tests cover it); client calls go through the real handlers.
import { NodeRuntime, NotLeaderError, SuspendedError, type RuntimeOptions, type TransportEvents } from '../node/runtime.js';
import { ClientOps, type Forwarder } from '../node/client-ops.js';
import { makeHandlers } from '../node/handlers.js';
import { TimeoutError } from '../node/pending-requests.js';
import type { AppendRequest, ConfChange, Entry, Message, NodeId, RaftConfig, TimeoutNow, VoteRequest } from '../raft/types.js';
import type { RpcHandler } from '../rpc/server.js';
import type { XmlRpcValue } from '../rpc/values.js';
import { silentLogger } from '../util/logger.js';
import { SimDisk } from './disk.js';
import type { InvariantChecker } from './invariants.js';
import type { ObservableCore } from './observable-core.js';
import { SimClock } from './sim-clock.js';
import type { SimRandom } from './sim-random.js';
import type { Trace } from './trace.js';
import type { Variant } from './variants.js';

export interface NodeEnv {
  rng: SimRandom;
  trace: Trace;
  inv: InvariantChecker;
  variant: Variant;
  /** The current tick. */
  now(): number;
  /** Milliseconds per tick of a clock running at rate 1. */
  tickMs: number;
  /** A fresh core configuration (with its own random stream) for this node. */
  config(id: NodeId): RaftConfig;
  /** Every node of the run (members or not): the runtime's knownNodes. */
  knownNodes: NodeId[];
  /** The longest an fsync takes, in ticks (0 = instant). */
  maxSyncTicks: number;
  /** This boot's clock rate against simulated time (1 outside lease runs). */
  clockRate(): number;
  /** Puts a peer message on the simulated network. */
  send(m: Message): void;
  /** A client call from this node to another (forwarding); settles with the answer, or never if it is lost. */
  call(from: NodeId, to: NodeId, method: string, params: XmlRpcValue[]): Promise<XmlRpcValue>;
  /** The runtime did something only a bug explains (an exception out of the Ready loop, a core assertion). */
  fail(node: NodeId, err: unknown): void;
}

/** How long the node waits for a commit before answering false, and for a leader before giving up (simulated ms). */
const COMMIT_TIMEOUT_MS = 200;
const LEADER_WAIT_MS = 100;

export class SimNode {
  readonly disk: SimDisk;
  /** The current boot's core, runtime and clock; null while the node is down. */
  core: ObservableCore | null = null;
  runtime: NodeRuntime | null = null;
  clock: SimClock | null = null;
  /** Paused (SIGSTOP): no timers, nothing read from the network until this tick. */
  pausedUntil = -1;

  private handlers: Record<string, RpcHandler> | null = null;
  private events: TransportEvents | null = null;
  private applied = 0;

  constructor(
    readonly id: NodeId,
    private readonly env: NodeEnv,
  ) {
    this.disk = new SimDisk(env.variant.diskForgetsVote, {
      onAppend: (entries, lastBefore) => this.onAppend(entries, lastBefore),
    });
    this.start();
  }

  isUp(): boolean {
    return this.runtime !== null;
  }

  isPaused(): boolean {
    return this.env.now() < this.pausedUntil;
  }

  isSuspended(): boolean {
    return this.runtime?.isSuspended() ?? false;
  }

  // ---------------------------------------------------------------- lifecycle

  /** Boots (or reboots) from what the disk kept: WAL, hard state, raftlog. */
  start(): void {
    const env = this.env;
    const clock = new SimClock(env.now, env.tickMs, env.clockRate(), env.now());
    this.disk.open({ clock, syncLatencyMs: () => (env.maxSyncTicks > 0 ? env.rng.int(env.maxSyncTicks + 1) : 0) * env.tickMs });
    this.applied = this.disk.appliedIndex();
    env.inv.onRestart(this.id, this.applied, this.disk.entries(1, this.disk.lastIndex() + 1));
    const raft = env.config(this.id);
    const opts: RuntimeOptions = {
      raft,
      tickMs: env.tickMs,
      maxElectionMs: 2 * raft.electionTicks * env.tickMs,
      storage: this.disk,
      logger: silentLogger,
      clock,
      knownNodes: env.knownNodes,
      onFatal: (err) => env.fail(this.id, err),
      transport: (events) => {
        this.events = events;
        return { send: (m: VoteRequest | AppendRequest | TimeoutNow) => this.sendPeer(m), close: () => undefined };
      },
      makeCore: (cfg, log, hs, applied) => {
        const core = env.variant.makeCore(cfg, log, hs, applied);
        this.core = core;
        return core;
      },
      onApplied: (e) => this.onApplied(e),
    };
    const runtime = env.variant.makeRuntime ? env.variant.makeRuntime(opts) : new NodeRuntime(opts);
    const forwarder: Forwarder = {
      call: (leader, method, params, timeoutMs) => this.forward(clock, leader, method, params, timeoutMs),
      close: () => undefined,
    };
    let tids = 0;
    const ops = new ClientOps(runtime, {
      commitTimeoutMs: COMMIT_TIMEOUT_MS,
      leaderWaitMs: LEADER_WAIT_MS,
      logger: silentLogger,
      forwarder,
      newTid: () => `${this.id}-set-${++tids}`,
    });
    this.handlers = makeHandlers(() => ({ runtime, ops }));
    this.clock = clock;
    this.runtime = runtime;
    runtime.start();
    const hs = this.disk.hardState();
    this.note(`start: term ${hs.term}, log ${this.disk.lastIndex()}, applied ${this.applied}`);
  }

  /** kill -9 and power loss: the process and the page cache are gone; calls waiting on it never hear back. */
  crash(): void {
    this.clock?.kill();
    this.disk.crash();
    this.clock = null;
    this.runtime = null;
    this.core = null;
    this.handlers = null;
    this.events = null;
    this.pausedUntil = -1;
    this.env.inv.onCrash(this.id);
  }

  /** The suspend RPC, for `ticks` of simulated time. */
  suspend(ticks: number): void {
    this.runtime?.suspend((ticks * this.env.tickMs) / 1000);
  }

  endSuspension(): void {
    this.runtime?.endSuspension();
  }

  /** A membership change asked of this node: 'accepted', or why not (for the trace). */
  changeMembership(change: ConfChange): string {
    return this.adminCall((rt) => rt.changeMembership(change), 'accepted');
  }

  /** The transfer admin call (thesis §3.10): what the leader said, for the trace. */
  transfer(target: NodeId): string {
    return this.adminCall((rt) => rt.transferLeadership(target), 'started');
  }

  /** An admin call on the runtime, as the trace tells it: `done`, 'refused (why)', or 'down'. */
  private adminCall(call: (rt: NodeRuntime) => { ok: true } | { ok: false; reason: string }, done: string): string {
    const rt = this.runtime;
    if (rt === null) return 'down';
    try {
      const res = call(rt);
      return res.ok ? done : `refused (${res.reason})`;
    } catch (err) {
      if (expectedFailure(err)) return `refused (${(err as Error).message})`;
      throw err;
    }
  }

  // ---------------------------------------------------------------- inputs

  /**
   * A peer's request arriving at this node's server: stepped into the runtime, whose answer (once its Ready is
   * persisted) goes back over the network. Nothing comes back if the node is suspended or the call times out.
   */
  receiveRequest(m: VoteRequest | AppendRequest, onFailed: () => void): void {
    const rt = this.runtime;
    if (rt === null) return;
    rt.handlePeerRequest(m as VoteRequest & AppendRequest).then(
      (resp) => {
        if (this.runtime !== rt) return;
        // Thrown here, a violation would become an unhandled rejection: hand it to the simulation instead.
        try {
          if (resp.type === 'voteResp' && resp.granted && !resp.preVote) this.env.inv.onVoteGranted(this.id, resp.term, resp.to);
        } catch (err) {
          this.env.fail(this.id, err);
          return;
        }
        this.env.send(resp);
      },
      (err: unknown) => {
        if (this.runtime !== rt) return;
        if (!expectedFailure(err)) this.env.fail(this.id, err);
        else onFailed();
      },
    );
  }

  /** A one-way peer message (timeoutNow): stepped in, nothing answered. */
  receiveOneWay(m: TimeoutNow): void {
    const rt = this.runtime;
    if (rt === null) return;
    try {
      rt.handlePeerMessage(m);
    } catch (err) {
      if (!expectedFailure(err)) throw err;
    }
  }

  /** A peer's answer to a request this node sent (whichever boot sent it: the core must cope with stale answers). */
  receiveResponse(m: Message): void {
    this.events?.onResponse(m);
  }

  /** A request this node sent failed (the XML-RPC call timed out or was refused). */
  reportUnreachable(peer: NodeId): void {
    this.events?.onUnreachable(peer);
  }

  /**
   * A client call arriving at this node's XML-RPC server, served by the production handlers. Resolves with the
   * answer, or a fault's message; null when no answer will come (down, suspended, crashed or suspended meanwhile).
   */
  serveCall(method: string, params: XmlRpcValue[]): Promise<{ value: XmlRpcValue } | { fault: string }> | null {
    const rt = this.runtime;
    const handler = this.handlers?.[method];
    if (rt === null || handler === undefined || rt.isSuspended()) return null;
    return handler(params, { tagSender: () => undefined }).then(
      (value) => ({ value }),
      (err: unknown) => ({ fault: err instanceof Error ? err.message : String(err) }),
    );
  }

  /** Whether an answer computed by the boot that served a call may still leave this node. */
  canAnswer(): boolean {
    return this.runtime !== null && !this.runtime.isSuspended();
  }

  leaderHint(): NodeId | null {
    return this.runtime?.leader() ?? null;
  }

  // ---------------------------------------------------------------- driven by the simulation

  /** Timers due by now (ticks, lazy syncs, finished fsyncs, timeouts); true if any ran. */
  fireTimers(): boolean {
    if (this.clock === null || this.isPaused()) return false;
    return this.clock.fireDue();
  }

  /** What the runtime deferred (its Ready loop); true if anything ran. */
  runDeferred(): boolean {
    if (this.clock === null || this.isPaused()) return false;
    return this.clock.runDeferred();
  }

  // ---------------------------------------------------------------- ports

  private sendPeer(m: Message): void {
    this.env.send(m);
  }

  private forward(clock: SimClock, leader: NodeId, method: string, params: XmlRpcValue[], timeoutMs: number): Promise<XmlRpcValue> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = clock.setTimer(() => {
        if (settled) return;
        settled = true;
        reject(new TimeoutError(`forwarding ${method} to ${leader}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.env.call(this.id, leader, method, params).then(
        (v) => {
          if (settled) return;
          settled = true;
          clock.clearTimer(timer);
          resolve(v);
        },
        (err: unknown) => {
          if (settled) return;
          settled = true;
          clock.clearTimer(timer);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  }

  private onAppend(entries: Entry[], lastBefore: number): void {
    this.env.inv.onPersist(this.id, entries, lastBefore, this.applied);
    this.env.trace.record({
      tick: this.env.now(),
      kind: 'persist',
      node: this.id,
      text: `entries ${entries[0].index}..${entries[entries.length - 1].index} (term ${entries[entries.length - 1].term})`,
    });
  }

  private onApplied(e: Entry): void {
    this.env.inv.onApply(this.id, e, this.core!.termNow());
    this.applied = e.index;
    this.env.trace.record({
      tick: this.env.now(),
      kind: 'apply',
      node: this.id,
      text: `${e.index}/${e.term} ${e.type}${e.tid ? ' ' + e.tid : ''}${e.type === 'set' ? ` ${e.key}=${e.data}` : ''}`,
    });
  }

  private note(text: string): void {
    this.env.trace.record({ tick: this.env.now(), kind: 'note', node: this.id, text });
  }
}

/** Failures a peer call may meet in a correct run: the node suspended, stopping or slow. Anything else is a bug. */
function expectedFailure(err: unknown): boolean {
  return err instanceof SuspendedError || err instanceof TimeoutError || err instanceof NotLeaderError;
}
