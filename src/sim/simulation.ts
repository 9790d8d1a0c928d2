// One deterministic simulated run: N real cores with simulated disks, a simulated network, a nemesis and a few clients,
// all driven tick by tick from one seed. After every tick the invariants are checked; at the end the clients' history
// goes through the linearizability checkers, and liveness is judged on the fault-free tail of the run.
import { checkAppendLog } from '../check/log-model.js';
import { checkKvHistory } from '../check/kv-model.js';
import { DEFAULT_RAFT_TUNING, leaseTicksFor, type NodeId, type RaftConfig } from '../raft/types.js';
import type { ClientRequest, ClientResponse } from './client-protocol.js';
import { SimClient, type History } from './client.js';
import { FaultInjector, formatFaults, type FaultKind } from './faults.js';
import { InvariantChecker, SimViolation } from './invariants.js';
import { SimNetwork, type NetworkStats } from './network.js';
import { SimNode } from './node.js';
import type { Message } from '../raft/types.js';
import type { XmlRpcValue } from '../rpc/values.js';
import { SimRandom } from './sim-random.js';
import { Trace, formatEvent } from './trace.js';
import type { Variant } from './variants.js';

export interface SimOptions {
  seed: number;
  nodes: number;
  /** Ticks to run; the last `livenessTicks` of them are fault-free. */
  steps: number;
  faults: Set<FaultKind>;
  variant: Variant;
  clients?: number;
  /** A leader must commit within this many ticks of the heal (default 300 = 30 election timeouts' minimum). */
  livenessBound?: number;
  traceEvents?: number;
  /**
   * Also run the two early-warning checks (one vote per term; an applied entry never leaves its node's log), default
   * true. Off leaves every bug to the five invariants and the client guarantees alone.
   */
  extraChecks?: boolean;
  /** Internal: stop after this tick (used to replay a run up to the moment a history violation happened). */
  haltAfterTick?: number;
  /** Internal: keep heartbeats out of the trace ring. */
  focusTrace?: boolean;
  /** Reads by ReadIndex (default, or the variant's) or by leader lease; lease runs give every node its own clock rate. */
  readMode?: 'index' | 'lease';
  /**
   * Membership changes under the faults (issue 14): SPARE_NODES more processes start with --join (no configuration),
   * and the nemesis asks the leader to add learners, promote them and remove members. Default: the variant's.
   */
  reconfig?: boolean;
}

/** Reconfiguration runs: processes beyond `nodes` that start outside the cluster, for the nemesis to add. */
export const SPARE_NODES = 2;

/**
 * Lease runs: each node's clock runs at its own rate in [1 - LEASE_DRIFT, 1] of simulated time, fixed per boot, and
 * the lease is sized for that bound (leaseTicksFor with the equivalent symmetric drift).
 */
export const LEASE_DRIFT = 0.1;

export interface SimSummary {
  seed: number;
  steps: number;
  /** Nominal simulated time at 10 ms per tick. */
  simulatedMs: number;
  config: string;
  faults: Record<FaultKind, number>;
  network: NetworkStats;
  leadersElected: number;
  committed: number;
  writesAcked: number;
  readsAcked: number;
  opsUnknown: number;
  /** Ticks from the heal until a leader committed an entry of its own term (null: never, or no heal phase). */
  recoveryTicks: number | null;
  /** Reconfiguration runs: membership changes asked of the leader, and accepted by it. */
  membershipChanges: { asked: number; accepted: number };
  /** The configuration in force on the last leader seen (or the first node up), at the end. */
  finalVoters: NodeId[];
}

export interface SimResult {
  ok: boolean;
  summary: SimSummary;
  traceHash: string;
  violation?: { invariant: string; message: string; step: number; lastEvents: string[] };
  replay: string;
}

/** Elections are fast in ticks so that a run of a thousand ticks sees many of them. */
const ELECTION_TICKS = 10;
const HEARTBEAT_TICKS = 3;
const TICK_MS = 10;

export function replayCommand(o: SimOptions): string {
  const votes = o.extraChecks === false ? ' --extra-checks off' : '';
  const reads = o.readMode !== undefined ? ` --read-mode ${o.readMode}` : '';
  const reconfig = o.reconfig === true ? ' --reconfig' : '';
  return `npm run sim -- --seed ${o.seed} --nodes ${o.nodes} --steps ${o.steps} --faults ${formatFaults(o.faults)} --variant ${o.variant.name}${votes}${reads}${reconfig}`;
}

export function runSimulation(o: SimOptions): Promise<SimResult> {
  return new Simulation(o).run();
}

/** A call to a node's XML-RPC server: from a client, or forwarded by another node. */
interface Call {
  due: number;
  to: NodeId;
  method: string;
  params: XmlRpcValue[];
  /** For the trace. */
  label: string;
  /** The answer, delivered to the caller (after the network's delay); never called if no answer comes. */
  onAnswer: (a: { value: XmlRpcValue } | { fault: string }, leaderHint: NodeId | null) => void;
}

/** Lets every promise continuation queued so far run (setImmediate runs only once the microtask queue is empty). */
const settleMicrotasks = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

class Simulation {
  private readonly rng: SimRandom;
  private readonly net: SimNetwork;
  private readonly trace: Trace;
  private readonly inv: InvariantChecker;
  private readonly nodes: SimNode[];
  private readonly byId = new Map<NodeId, SimNode>();
  private readonly clients: SimClient[];
  private readonly nemesis: FaultInjector;
  private readonly history: History = { writes: [], kv: [] };
  private readonly toNodes: Call[] = [];
  private readonly toClients: { due: number; resp: ClientResponse }[] = [];
  /** Answers to forwarded calls, on their way back to the forwarding node. */
  private readonly forwardAnswers: { due: number; from: NodeId; deliver: () => void }[] = [];
  /** Failures only a bug explains (an exception out of a node's Ready loop), reported at the end of the tick. */
  private readonly failures: { node: NodeId; err: unknown }[] = [];
  private readonly configTemplate: Omit<RaftConfig, 'id' | 'random'>;
  private readonly roles = new Map<NodeId, string>();
  private now = 0;
  /** Events within the current tick, so history timestamps read as tick.sequence (e.g. 112.003). */
  private eventsThisTick = 0;
  private opIds = 0;
  private readonly readMode: 'index' | 'lease';
  private readonly reconfig: boolean;

  constructor(private readonly o: SimOptions) {
    this.rng = new SimRandom(o.seed);
    this.inv = new InvariantChecker(o.extraChecks ?? true);
    this.net = new SimNetwork(this.rng);
    this.trace = new Trace(o.traceEvents ?? 40, o.focusTrace ?? false);
    this.reconfig = o.reconfig ?? o.variant.reconfig ?? false;
    const voters = Array.from({ length: o.nodes }, (_, i) => `n${i + 1}`);
    const ids = this.reconfig ? [...voters, ...Array.from({ length: SPARE_NODES }, (_, i) => `n${o.nodes + i + 1}`)] : voters;
    // Vary the configuration per seed: the product runs with pre-vote and check-quorum on, but the safety argument
    // must not depend on them, and small batches open the windows that Figure 8 and stale appends need.
    this.configTemplate = {
      ...DEFAULT_RAFT_TUNING,
      peers: voters,
      electionTicks: ELECTION_TICKS,
      heartbeatTicks: HEARTBEAT_TICKS,
      preVote: this.rng.int(4) !== 0,
      checkQuorum: this.rng.int(4) !== 0,
      maxEntriesPerAppend: this.rng.pick([1, 2, 4, 64]),
      maxInflightAppends: this.rng.pick([1, 2, 8]),
    };
    this.readMode = o.readMode ?? o.variant.readMode ?? 'index';
    if (this.readMode === 'lease') {
      // Rates within [1 - d, 1] differ by a factor of at least 1 - d = (1 - r) / (1 + r) for r = d / (2 - d).
      this.configTemplate.readMode = 'lease';
      this.configTemplate.leaseTicks = leaseTicksFor(ELECTION_TICKS, LEASE_DRIFT / (2 - LEASE_DRIFT));
    }
    const nodeEnv = {
      rng: this.rng,
      trace: this.trace,
      inv: this.inv,
      variant: o.variant,
      now: () => this.now,
      tickMs: TICK_MS,
      // Spares start as a node started with --join: no configuration until the leader's log gives them one.
      config: (id: NodeId): RaftConfig => ({ ...this.configTemplate, id, random: this.rng.fork(), join: !voters.includes(id) }),
      knownNodes: ids,
      clockRate: (): number => (this.readMode === 'lease' ? 1 - (LEASE_DRIFT * this.rng.int(1001)) / 1000 : 1),
      maxSyncTicks: 2,
      send: (m: Message) => this.sendPeer(m),
      call: (from: NodeId, to: NodeId, method: string, params: XmlRpcValue[]) => this.forwardCall(from, to, method, params),
      fail: (node: NodeId, err: unknown) => this.failures.push({ node, err }),
    };
    this.nodes = ids.map((id) => new SimNode(id, nodeEnv));
    for (const n of this.nodes) this.byId.set(n.id, n);
    const clientEnv = {
      rng: this.rng,
      nodes: ids,
      keys: ['x', 'y', 'z'],
      now: () => this.now,
      clock: () => this.now + ++this.eventsThisTick / 1000,
      nextOpId: () => this.opIds++,
      send: (to: NodeId, req: ClientRequest) => {
        this.toNodes.push(clientCall(req, to, this.now + this.rng.int(2), (resp) => this.toClients.push({ due: this.now + this.rng.int(2), resp })));
        this.trace.record({ tick: this.now, kind: 'client', node: `c${req.client}`, text: `-> ${to} ${describeRequest(req)}` });
      },
      attemptTimeout: 3 * ELECTION_TICKS,
      opDeadline: 15 * ELECTION_TICKS,
    };
    this.clients = Array.from({ length: o.clients ?? 3 }, (_, i) => new SimClient(i + 1, clientEnv, this.history));
    this.nemesis = new FaultInjector(this.rng, this.net, this.nodes, o.faults, this.trace, this.reconfig);
  }

  async run(): Promise<SimResult> {
    const bound = this.o.livenessBound ?? 30 * ELECTION_TICKS;
    // The fault-free tail: long enough to recover within the bound and then let clients finish.
    const healAt = this.o.steps >= 2 * (bound + 50) ? this.o.steps - (bound + 50) : -1;
    let recoveryTicks: number | null = null;
    try {
      const last = Math.min(this.o.steps, this.o.haltAfterTick ?? Infinity);
      for (this.now = 1; this.now <= last; this.now++) {
        this.eventsThisTick = 0;
        if (this.now === healAt) this.nemesis.healAll(this.now);
        else if (healAt < 0 || this.now < healAt) this.nemesis.step(this.now);
        await this.stepOnce();
        if (healAt > 0 && this.now >= healAt && recoveryTicks === null) {
          if (this.leaderCommittedInItsTerm()) recoveryTicks = this.now - healAt;
          else if (this.now - healAt > bound) {
            throw new SimViolation('Liveness', `no leader committed an entry of its term within ${bound} ticks of healing every fault`);
          }
        }
      }
      if (this.o.haltAfterTick === undefined) this.checkHistory();
    } catch (err) {
      const v = err instanceof SimViolation ? err : null;
      const assertion = err instanceof Error && err.name === 'RaftAssertionError';
      const invariant = v ? v.invariant : assertion ? 'Core assertion' : 'Crash';
      const message = v ? v.message : assertion ? (err as Error).message : `exception: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
      let step = Math.min(this.now, this.o.steps);
      let lastEvents = this.trace.last().map(formatEvent);
      if (v?.atTick !== undefined) {
        // Found in the history after the run: replay the seed up to the offending operation (the run is
        // deterministic) to show what led to it, without the heartbeats.
        step = v.atTick;
        lastEvents = await new Simulation({ ...this.o, haltAfterTick: v.atTick, focusTrace: true, traceEvents: 60 }).eventsAtHalt();
      }
      return this.result(recoveryTicks, { invariant, message, step, lastEvents });
    }
    return this.result(recoveryTicks);
  }

  /** Runs to haltAfterTick and returns the trace ring at that point. */
  private async eventsAtHalt(): Promise<string[]> {
    await this.run();
    return this.trace.last().map(formatEvent);
  }

  /**
   * One tick: network deliveries, client and forwarded calls, each node's due timers (ticks, finished fsyncs, lazy
   * syncs, timeouts) and deferred Ready loops until every node is idle, answers, clients, then the invariant checks.
   * Promise continuations run only where settleMicrotasks is awaited, so the interleaving is a function of the seed.
   */
  private async stepOnce(): Promise<void> {
    const now = this.now;
    for (let m = this.net.nextDue(now); m !== undefined; m = this.net.nextDue(now)) {
      const dest = this.byId.get(m.to);
      const src = this.byId.get(m.from);
      if (!dest || !dest.isUp() || dest.isSuspended() || this.net.isBlocked(m.from, m.to)) {
        if (dest && dest.isUp() && this.net.isBlocked(m.from, m.to)) this.net.stats.blocked++;
        this.trace.record({ tick: now, kind: 'drop', node: m.to, msg: m });
        // The sender's transport notices the failed call, as the XML-RPC client's timeout would.
        if ((m.type === 'append' || m.type === 'vote') && src && this.rng.chance(0.5)) src.reportUnreachable(m.to);
        continue;
      }
      if (dest.isPaused()) {
        this.net.hold(m, now + 1); // sits in the socket buffer until the process runs again
        continue;
      }
      this.net.stats.delivered++;
      this.trace.record({ tick: now, kind: 'deliver', node: m.to, msg: m });
      if (m.type === 'append' || m.type === 'vote') {
        dest.receiveRequest(m, () => {
          if (src && this.rng.chance(0.5)) src.reportUnreachable(m.to);
        });
      } else if (m.type === 'timeoutNow') {
        dest.receiveOneWay(m);
      } else {
        dest.receiveResponse(m);
      }
      // Sometimes one Ready per message, sometimes several messages in one.
      if (this.rng.chance(0.5)) await this.runNode(dest);
    }
    this.deliverCalls(now);
    for (const n of this.rng.shuffled(this.nodes)) {
      // An occasional tick where a node's timers do not fire (the process did not get the CPU): they fire late.
      if (this.readMode === 'index' && this.rng.chance(0.02)) continue;
      n.fireTimers();
    }
    await this.settle();
    this.deliverForwardAnswers(now);
    this.deliverClientResponses(now);
    await this.settle();
    for (const c of this.clients) c.step();
    this.checkStep();
  }

  /** Runs one node's deferred work and lets its continuations run. */
  private async runNode(n: SimNode): Promise<void> {
    n.runDeferred();
    await settleMicrotasks();
    this.throwFailures();
  }

  /** Runs every node's due timers and deferred work, and the continuations they start, until all are idle. */
  private async settle(): Promise<void> {
    for (let round = 0; round < 1000; round++) {
      await settleMicrotasks();
      this.throwFailures();
      let ran = false;
      for (const n of this.nodes) {
        if (n.fireTimers()) ran = true;
        if (n.runDeferred()) ran = true;
      }
      if (!ran) return;
    }
    throw new Error('the nodes did not settle within 1000 rounds in one tick');
  }

  private throwFailures(): void {
    const f = this.failures[0];
    if (f === undefined) return;
    // An invariant check inside a port (the disk's) throws through the runtime's Ready loop: report it as itself.
    if (f.err instanceof SimViolation) throw f.err;
    const what = f.err instanceof Error ? `${f.err.name}: ${f.err.message}` : String(f.err);
    throw new SimViolation(f.err instanceof Error && f.err.name === 'RaftAssertionError' ? 'Core assertion' : 'Runtime failure', `${f.node}: ${what}`);
  }

  private sendPeer(m: Message): void {
    const fate = this.net.send(m, this.now);
    this.trace.record({ tick: this.now, kind: fate === 'sent' ? 'send' : fate === 'lost' ? 'drop' : 'dup', node: m.from, msg: m });
  }

  /** A node forwarding a client call to another (ClientOps' Forwarder): a call whose answer goes back to `from`. */
  private forwardCall(from: NodeId, to: NodeId, method: string, params: XmlRpcValue[]): Promise<XmlRpcValue> {
    return new Promise((resolve, reject) => {
      this.trace.record({ tick: this.now, kind: 'client', node: from, text: `forward -> ${to} ${method}` });
      this.toNodes.push({
        due: this.now + this.rng.int(2),
        to,
        method,
        params,
        label: `${method} forwarded by ${from}`,
        onAnswer: (a) => {
          this.forwardAnswers.push({
            due: this.now + this.rng.int(2),
            from,
            deliver: () => ('value' in a ? resolve(a.value) : reject(new Error(a.fault))),
          });
        },
      });
    });
  }

  private deliverCalls(now: number): void {
    if (this.toNodes.length === 0) return;
    const due = this.toNodes.filter((x) => x.due <= now);
    const later = this.toNodes.filter((x) => x.due > now);
    this.toNodes.length = 0;
    this.toNodes.push(...later);
    for (const x of due) {
      const node = this.byId.get(x.to)!;
      if (node.isUp() && node.isPaused()) {
        this.toNodes.push({ ...x, due: now + 1 });
        continue;
      }
      this.trace.record({ tick: now, kind: 'client', node: x.to, text: `<- ${x.label}` });
      const rt = node.runtime;
      const answer = node.serveCall(x.method, x.params);
      // No answer from a node that is down or suspended, or that crashed or was suspended before it could answer.
      answer?.then((a) => {
        if (node.runtime === rt && node.canAnswer()) x.onAnswer(a, node.leaderHint());
      });
    }
  }

  private deliverForwardAnswers(now: number): void {
    if (this.forwardAnswers.length === 0) return;
    const due = this.forwardAnswers.filter((x) => x.due <= now);
    const later = this.forwardAnswers.filter((x) => x.due > now);
    this.forwardAnswers.length = 0;
    this.forwardAnswers.push(...later);
    for (const x of due) {
      const node = this.byId.get(x.from)!;
      if (node.isUp() && node.isPaused()) this.forwardAnswers.push({ ...x, due: now + 1 });
      else x.deliver();
    }
  }

  private deliverClientResponses(now: number): void {
    if (this.toClients.length === 0) return;
    const due = this.toClients.filter((x) => x.due <= now);
    const later = this.toClients.filter((x) => x.due > now);
    this.toClients.length = 0;
    this.toClients.push(...later);
    for (const x of due) {
      const r = x.resp;
      const what = r.ok ? `ok${r.value !== undefined ? ' ' + JSON.stringify(r.value) : ''}` : `refused (leader ${r.leader ?? '?'})`;
      this.trace.record({ tick: now, kind: 'client', node: `c${r.client}`, text: `answer #${r.attempt}: ${what}` });
      this.clients[r.client - 1].onResponse(r);
    }
  }

  private checkStep(): void {
    for (const n of this.nodes) {
      const core = n.core;
      if (!core) continue;
      const role = `${core.roleNow()} t${core.termNow()}`;
      if (this.roles.get(n.id) !== role) {
        this.roles.set(n.id, role);
        this.trace.record({ tick: this.now, kind: 'role', node: n.id, text: `${role} commit ${core.commitNow()} last ${core.lastIndexNow()}` });
      }
      this.inv.afterStep(n.id, core);
    }
  }

  private finalVoters(): NodeId[] {
    const up = this.nodes.filter((n) => n.runtime !== null);
    const leader = up.find((n) => n.core?.roleNow() === 'leader') ?? up[0];
    return leader?.runtime?.status().voters ?? [];
  }

  private leaderCommittedInItsTerm(): boolean {
    for (const n of this.nodes) {
      const core = n.core;
      if (!core || core.roleNow() !== 'leader' || n.isPaused() || n.isSuspended()) continue;
      const c = core.commitNow();
      if (c > 0 && core.entryNow(c)?.term === core.termNow()) return true;
    }
    return false;
  }

  /** Client guarantees over the whole run: acknowledged writes present exactly once, reads linearizable. */
  private checkHistory(): void {
    const log = this.inv.committedLog();
    const tids = log.filter((e) => e.tid !== '').map((e) => e.tid);
    const writes = checkAppendLog(this.history.writes, tids);
    const tickOf = (at: number | undefined): number | undefined => (at === undefined ? undefined : Math.ceil(at));
    if (writes.verdict === 'violation') throw new SimViolation('Client: acknowledged writes', writes.message, tickOf(writes.at));
    const kv = checkKvHistory(this.history.kv);
    if (kv.verdict === 'violation') throw new SimViolation('Client: linearizable reads', kv.message, tickOf(kv.at));
    if (writes.verdict === 'unknown' || kv.verdict === 'unknown') {
      throw new SimViolation('Checker', `linearizability search gave up: ${writes.message} ${kv.message}`);
    }
  }

  private result(recoveryTicks: number | null, violation?: SimResult['violation']): SimResult {
    const writesAcked = this.history.writes.filter((w) => w.output === true).length;
    const readsAcked = this.history.kv.filter((k) => k.input.kind === 'get' && k.output !== undefined).length;
    const unknown = this.clients.reduce((s, c) => s + c.unknown, 0);
    const t = this.configTemplate;
    return {
      ok: violation === undefined,
      traceHash: this.trace.hash(),
      violation,
      replay: replayCommand(this.o),
      summary: {
        seed: this.o.seed,
        steps: Math.min(this.now, this.o.steps),
        simulatedMs: Math.min(this.now, this.o.steps) * TICK_MS,
        config:
          `variant=${this.o.variant.name} preVote=${t.preVote} checkQuorum=${t.checkQuorum} ` +
          `maxEntriesPerAppend=${t.maxEntriesPerAppend} maxInflight=${t.maxInflightAppends}`,
        faults: { ...this.nemesis.counts },
        network: { ...this.net.stats },
        leadersElected: this.inv.leadersElected,
        committed: this.inv.committedLog().length,
        writesAcked,
        readsAcked,
        opsUnknown: unknown,
        recoveryTicks,
        membershipChanges: { asked: this.nemesis.reconfigAsked, accepted: this.nemesis.reconfigAccepted },
        finalVoters: this.finalVoters(),
      },
    };
  }
}

/** A simulated client's request as the XML-RPC call the real client makes, with its answer mapped back. */
function clientCall(req: ClientRequest, to: NodeId, due: number, answer: (resp: ClientResponse) => void): Call {
  const [method, params]: [string, XmlRpcValue[]] =
    req.kind === 'get' ? ['getVal', [req.key]] : req.kind === 'add' ? ['addEntry', [req.tid, req.data]] : ['setVal', [req.key, req.data, req.tid]];
  return {
    due,
    to,
    method,
    params,
    label: `c${req.client} ${describeRequest(req)}`,
    onAnswer: (a, leader) => {
      const base = { client: req.client, attempt: req.attempt, leader };
      if ('fault' in a) answer({ ...base, ok: false });
      else if (req.kind === 'get') answer(typeof a.value === 'string' ? { ...base, ok: true, value: a.value } : { ...base, ok: false });
      else answer({ ...base, ok: a.value === true });
    },
  };
}

function describeRequest(req: ClientRequest): string {
  if (req.kind === 'get') return `get(${req.key}) #${req.attempt}`;
  if (req.kind === 'set') return `set(${req.key}=${req.data}) tid ${req.tid} #${req.attempt}`;
  return `add tid ${req.tid} #${req.attempt}`;
}
