// The client library: finds the leader by asking every node at once, sends writes and reads to it, follows leader
// changes, and retries a write with the same tid until the operation's deadline (the cluster applies a tid once,
// so a retry after a lost answer cannot create a second entry).
import { randomUUID } from 'node:crypto';
import { RpcClient, RpcConnectionError, RpcFaultError } from '../rpc/client.js';
import type { XmlRpcValue } from '../rpc/values.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { parseNodeStatus, type NodeStatus } from '../protocol/status.js';
import { parseLeaderHint } from '../protocol/leader-hint.js';
import { splitHostPort } from '../util/host-port.js';
import { faultAction } from './fault-policy.js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterCredentials } from '../security/cluster-secrets.js';
import { credentialOptions } from '../security/client-credentials.js';
import { ADMIN_METHODS, BATCHABLE_METHODS } from '../security/methods.js';

export type { NodeStatus } from '../protocol/status.js';

export interface RaftClientOptions {
  /** Bound for one RPC. Default 2000. */
  timeoutMs?: number;
  /** Bound for a whole operation, retries included. Default 10000. */
  deadlineMs?: number;
  /** Connections per node; more operations in flight than this queue (inside their timeout). Default 64. */
  maxSocketsPerNode?: number;
  logger?: Logger;
  /** The cluster's tokens and CA (src/security/cluster-secrets.ts): client calls carry the client token, suspend the admin token. */
  credentials?: ClusterCredentials;
  /**
   * Reads and writes made to a node in the same turn of the event loop go as one system.multicall (default true):
   * many operations in flight then cost the nodes one request, not one each. Each operation still gets its own
   * answer, fault and retries.
   */
  batch?: boolean;
}

/** No node claimed leadership (or the one named could not be reached) before the operation's deadline. */
export class NoLeaderError extends Error {
  constructor(
    readonly waitedMs: number,
    readonly asked: string[],
  ) {
    super(`no leader answered within ${waitedMs} ms (asked: ${asked.join(', ')})`);
    this.name = 'NoLeaderError';
  }
}

export interface AddResult {
  ok: boolean;
  tid: string;
  /** The node that answered last, or null if none did. */
  leader: string | null;
}

/** A fault that says the request itself is wrong or not allowed: retrying cannot help (fault-policy.ts). */
const isFinal = (err: unknown): err is RpcFaultError => err instanceof RpcFaultError && faultAction(err.code) === 'fail';

const MIN_BACKOFF_MS = 20;
const MAX_BACKOFF_MS = 500;
/**
 * While nobody claims leadership an election is usually under way and ends within tens of ms: ask again this often,
 * for this long, instead of doubling the pause (a doubled pause, not the election, would then dominate failover).
 */
const ELECTION_POLL_MS = 10;
const ELECTION_POLL_FOR_MS = 1000;
/** Hard cap on attempts per operation, on top of the deadline, so no loop can spin unboundedly. */
const MAX_ATTEMPTS = 10_000;
/** How long addMember/removeMember may take: the node waits up to 30 s for a learner to catch up and each commit. */
const MEMBER_TIMEOUT_MS = 35_000;

function parseConfiguration(v: unknown, from: string): { voters: string[]; learners: string[] } {
  const ok = (x: unknown): x is string[] => Array.isArray(x) && x.length <= 1000 && x.every((s) => typeof s === 'string' && s.length <= 300);
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (ok(o.voters) && ok(o.learners)) return { voters: o.voters, learners: o.learners };
  }
  throw new Error(`${from} answered a configuration that is not {voters, learners}`);
}

function isNodeId(id: string): boolean {
  try {
    splitHostPort(id, 'node');
    return true;
  } catch {
    return false;
  }
}

/** At most this many nodes are remembered (those given plus leaders learned of). */
const MAX_KNOWN_NODES = 256;

/** How long a transfer call may take: the leader answers once the new leader is known (two election timeouts). */
const TRANSFER_TIMEOUT_MS = 5_000;

/** Outcome of one attempt against the presumed leader. */
type Attempt<T> = { done: true; value: T } | { done: false; leaderLost: boolean };

export class RaftClient {
  private readonly rpc = new Map<string, RpcClient>();
  /** Admin calls go on their own connections, with the admin credential. */
  private readonly adminRpc = new Map<string, RpcClient>();
  private readonly batch: boolean;
  private readonly credentials: ClusterCredentials;
  private readonly timeoutMs: number;
  private readonly deadlineMs: number;
  private readonly maxSockets: number;
  private readonly logger: Logger;
  private leader: string | null = null;
  /** One discovery at a time, shared by every operation in flight (32 writes must not start 32 discoveries). */
  private discovery: Promise<string | null> | null = null;
  private closed = false;
  /** A node refused our credentials during discovery: retrying will not help, so operations fail with it at once. */
  private refusal: RpcFaultError | null = null;

  /**
   * The nodes it asks: those it was given, and every leader it has learned of since (membership changes: a client
   * started with the old member list still finds the leader once the old members are gone, if one it learned answers).
   */
  private readonly nodes: string[];

  constructor(nodes: string[], opts: RaftClientOptions = {}) {
    if (nodes.length === 0) throw new Error('RaftClient needs at least one node');
    for (const n of nodes) splitHostPort(n, 'node');
    this.nodes = [...nodes];
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.deadlineMs = opts.deadlineMs ?? 10_000;
    this.maxSockets = opts.maxSocketsPerNode ?? 64;
    this.logger = opts.logger ?? silentLogger;
    this.credentials = opts.credentials ?? {};
    this.batch = opts.batch ?? true;
  }

  /** The leader, asking every node at once; null if none claims it within one call timeout. Caches the answer. */
  findLeader(): Promise<string | null> {
    if (this.discovery === null) {
      this.discovery = this.discover().finally(() => {
        this.discovery = null;
      });
    }
    return this.discovery;
  }

  async addEntry(data: string, tid: string = `client-${randomUUID()}`): Promise<AddResult> {
    let last: string | null = null;
    const ok = await this.write(async (leader, timeoutMs) => {
      last = leader;
      return this.call(leader, 'addEntry', [tid, data], timeoutMs);
    });
    return { ok, tid, leader: last };
  }

  /** Sends setVal(key, value, tid) so retries are applied once. */
  setVal(key: string, value: string, tid: string = `client-${randomUUID()}`): Promise<boolean> {
    return this.write((leader, timeoutMs) => this.call(leader, 'setVal', [key, value, tid], timeoutMs));
  }

  /** Linearizable read through the leader; throws NoLeaderError (or the last error) once the deadline passes. */
  async getVal(key: string): Promise<string> {
    return this.withLeader<string>(async (leader, timeoutMs) => {
      const v = await this.call(leader, 'getVal', [key], timeoutMs);
      if (typeof v !== 'string') throw new Error(`getVal from ${leader} answered a ${typeof v}, not a string`);
      return { done: true, value: v };
    });
  }

  async status(node: string): Promise<NodeStatus> {
    return parseNodeStatus(await this.call(node, 'status', [], this.timeoutMs), node);
  }

  async getLeader(node: string): Promise<string | null> {
    return parseLeaderHint(await this.call(node, 'getLeader', [], this.timeoutMs));
  }

  async suspend(node: string, seconds: number): Promise<boolean> {
    return (await this.call(node, 'suspend', [seconds], this.timeoutMs)) === true;
  }

  /**
   * Leadership transfer (admin): asks the leader to hand over to `target`; resolves with the new leader. A refusal
   * (target not a member, or it already leads) is thrown at once as a fault.
   */
  async transfer(target: string): Promise<string> {
    return this.withLeader<string>(async (leader, timeoutMs) => {
      if (leader === target) return { done: true, value: target };
      // The leader answers only once the new leader is known: up to two election timeouts.
      const v = await this.call(leader, 'transfer', [target], Math.max(timeoutMs, TRANSFER_TIMEOUT_MS));
      if (typeof v !== 'string') throw new Error(`transfer from ${leader} answered a ${typeof v}, not a node id`);
      this.adopt(v);
      return { done: true, value: v };
    });
  }

  /**
   * Membership (admin): `add` makes a node of cluster.json a learner and then a voter once caught up; `remove` takes a
   * member out; `list` asks the leader. Resolves with the configuration once the change has committed; a refusal (not
   * a member, unsafe without force) is thrown at once as a fault.
   */
  async member(op: 'list' | 'add' | 'remove', node = '', force = false): Promise<{ voters: string[]; learners: string[] }> {
    return this.withLeader(async (leader, timeoutMs) => {
      const v =
        op === 'list'
          ? await this.call(leader, 'members', [], timeoutMs)
          : await this.call(leader, op === 'add' ? 'addMember' : 'removeMember', [node, force], Math.max(timeoutMs, MEMBER_TIMEOUT_MS));
      return { done: true, value: parseConfiguration(v, leader) };
    });
  }

  /** The leader this client currently sends to (from the last discovery or answer). */
  knownLeader(): string | null {
    return this.leader;
  }

  close(): void {
    this.closed = true;
    for (const c of [...this.rpc.values(), ...this.adminRpc.values()]) c.close();
    this.rpc.clear();
    this.adminRpc.clear();
  }

  // ------------------------------------------------------------------ internals

  /** A write answered true (committed) or false (not committed, e.g. leadership lost): false is retried, same tid. */
  private async write(send: (leader: string, timeoutMs: number) => Promise<XmlRpcValue>): Promise<boolean> {
    try {
      return await this.withLeader<boolean>(async (leader, timeoutMs) => {
        const v = await send(leader, timeoutMs);
        if (v === true) return { done: true, value: true };
        // false: the node could not commit it in time (or is no longer leader). Rediscover and retry.
        return { done: false, leaderLost: true };
      });
    } catch (err) {
      if (err instanceof DeadlineError) return false;
      throw err;
    }
  }

  /**
   * Runs `attempt` against the leader until it is done or the deadline passes. Connection errors, timeouts and
   * faults make it rediscover the leader, except faults about the request itself (thrown at once).
   */
  private async withLeader<T>(attempt: (leader: string, timeoutMs: number) => Promise<Attempt<T>>): Promise<T> {
    const start = Date.now();
    const deadline = start + this.deadlineMs;
    let everFound = false;
    let backoff = MIN_BACKOFF_MS;
    let lastError: unknown = null;
    for (let i = 0; i < MAX_ATTEMPTS && !this.closed; i++) {
      const leader = this.leader ?? (await this.findLeader());
      if (leader === null && this.refusal !== null) throw this.refusal;
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      // A refused connection means the node is down, not busy: look for its successor at once, without backing off.
      let nodeDown = false;
      if (leader !== null) {
        everFound = true;
        try {
          const r = await attempt(leader, Math.min(this.timeoutMs, remaining));
          if (r.done) return r.value;
          if (r.leaderLost) this.forgetLeader(leader);
        } catch (err) {
          lastError = err;
          if (isFinal(err)) throw err;
          // Not leader, internal trouble, or unreachable: ask everyone again; "busy, try later": keep the leader.
          if (!(err instanceof RpcFaultError && faultAction(err.code) === 'wait')) this.forgetLeader(leader);
          nodeDown = err instanceof RpcConnectionError;
          this.logger.debug(`raft client: ${leader}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      const electionLikely = (leader === null || nodeDown) && Date.now() - start < ELECTION_POLL_FOR_MS;
      const pause = Math.min(electionLikely ? ELECTION_POLL_MS : backoff, deadline - Date.now());
      if (pause <= 0) break;
      await sleep(pause);
      if (!electionLikely) backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
    if (!everFound) throw new NoLeaderError(Date.now() - start, this.nodes);
    throw new DeadlineError(Date.now() - start, lastError);
  }

  private forgetLeader(leader: string): void {
    // Only if nobody has found a newer one meanwhile.
    if (this.leader === leader) this.leader = null;
  }

  private async discover(): Promise<string | null> {
    const hints = new Map<string, number>();
    const claimed = await firstTrue(
      this.nodes.map(async (node) => {
        const [isLeader, hint] = await Promise.allSettled([
          this.call(node, 'isLeader', [], this.timeoutMs),
          this.call(node, 'getLeader', [], this.timeoutMs),
        ]);
        if (isLeader.status === 'rejected' && isFinal(isLeader.reason)) {
          this.refusal = isLeader.reason;
        }
        if (hint.status === 'fulfilled') {
          const h = parseLeaderHint(hint.value);
          if (h !== null) hints.set(h, (hints.get(h) ?? 0) + 1);
        }
        return isLeader.status === 'fulfilled' && isLeader.value === true ? node : null;
      }),
    );
    if (claimed !== null) return this.adopt(claimed);
    // Nobody in our list claims it, but some name a leader we were not told about (e.g. a partial --nodes list).
    const named = [...hints.entries()].sort((a, b) => b[1] - a[1]).map(([h]) => h);
    for (const h of named) {
      if (this.nodes.includes(h)) continue;
      const yes = await this.call(h, 'isLeader', [], this.timeoutMs).catch(() => false);
      if (yes === true) return this.adopt(h);
    }
    return null;
  }

  private adopt(leader: string): string {
    if (leader !== this.leader) {
      this.logger.info(`raft client: leader is ${leader}`);
      this.learnMembers(leader);
    }
    this.learn([leader]);
    this.leader = leader;
    return leader;
  }

  /** Asks a new leader for the configuration, in the background, and remembers its members (best effort). */
  private learnMembers(leader: string): void {
    this.call(leader, 'members', [], this.timeoutMs).then(
      (v) => {
        try {
          const c = parseConfiguration(v, leader);
          this.learn([...c.voters, ...c.learners]);
        } catch {
          // An answer we cannot read teaches nothing.
        }
      },
      () => undefined,
    );
  }

  /** Bounded: a hostile node naming a thousand "members" cannot grow the list past MAX_KNOWN_NODES. */
  private learn(ids: string[]): void {
    for (const id of ids) {
      if (this.nodes.includes(id) || this.nodes.length >= MAX_KNOWN_NODES || !isNodeId(id)) continue;
      this.nodes.push(id);
    }
  }

  private call(node: string, method: string, params: XmlRpcValue[], timeoutMs: number): Promise<XmlRpcValue> {
    const admin = ADMIN_METHODS.has(method);
    const pool = admin ? this.adminRpc : this.rpc;
    let c = pool.get(node);
    if (c === undefined) {
      const { host, port } = splitHostPort(node, 'node');
      const batch = this.batch && !admin ? BATCHABLE_METHODS : undefined;
      c = new RpcClient(host, port, { ...credentialOptions(this.credentials, admin), timeoutMs: this.timeoutMs, maxSockets: this.maxSockets, batch });
      pool.set(node, c);
    }
    return c.call(method, params, timeoutMs);
  }
}

/** The operation found a leader at some point but could not complete before its deadline. */
export class DeadlineError extends Error {
  constructor(
    readonly waitedMs: number,
    readonly lastError: unknown,
  ) {
    const why = lastError instanceof Error ? `: ${lastError.message}` : '';
    super(`operation did not complete within ${waitedMs} ms${why}`);
    this.name = 'DeadlineError';
  }
}

/** Resolves with the first non-null result as soon as it arrives, or null once all are settled. */
function firstTrue(tasks: Promise<string | null>[]): Promise<string | null> {
  return new Promise((resolve) => {
    let pending = tasks.length;
    if (pending === 0) resolve(null);
    for (const t of tasks) {
      t.then(
        (v) => {
          if (v !== null) resolve(v);
        },
        () => undefined,
      ).finally(() => {
        if (--pending === 0) resolve(null);
      });
    }
  });
}
