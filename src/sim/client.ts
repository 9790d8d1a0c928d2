// A simulated client, behaving like src/client/raft-client.ts: one operation at a time, sent to the node it believes
// leads (or any node), retried under the SAME tid on refusal or timeout until an overall deadline, after which the
// outcome is unknown. Every operation lands in the history that the linearizability checkers judge.
import type { AddOperation } from '../check/log-model.js';
import type { KvOperation } from '../check/kv-model.js';
import type { NodeId } from '../raft/types.js';
import type { ClientRequest, ClientResponse } from './client-protocol.js';
import type { SimRandom } from './sim-random.js';

export interface ClientEnv {
  rng: SimRandom;
  nodes: readonly NodeId[];
  keys: readonly string[];
  now(): number;
  /** Strictly increasing event clock for history timestamps (finer than ticks). */
  clock(): number;
  nextOpId(): number;
  send(to: NodeId, req: ClientRequest): void;
  /** Ticks an attempt waits for an answer before trying another node. */
  attemptTimeout: number;
  /** Ticks an operation may take, retries included, before its outcome is declared unknown. */
  opDeadline: number;
}

export interface History {
  writes: AddOperation[];
  kv: KvOperation[];
}

type Pending =
  | { kind: 'add' | 'set'; tid: string; key: string; data: string; op: AddOperation; kvOp: KvOperation | null }
  | { kind: 'get'; key: string; op: KvOperation };

export class SimClient {
  private pending: Pending | null = null;
  private attempt = 0;
  private awaiting = false;
  private attemptDeadline = 0;
  private retryAt = 0;
  private opDeadline = 0;
  private nextStart = 0;
  private leaderHint: NodeId | null = null;
  private seq = 0;
  stopped = false;
  acked = 0;
  unknown = 0;

  constructor(
    readonly index: number,
    private readonly env: ClientEnv,
    private readonly history: History,
  ) {}

  private get name(): string {
    return `c${this.index}`;
  }

  step(): void {
    const now = this.env.now();
    if (this.pending === null) {
      if (!this.stopped && now >= this.nextStart) this.begin();
      return;
    }
    if (now >= this.opDeadline) {
      this.giveUp();
      return;
    }
    if (this.awaiting && now >= this.attemptDeadline) {
      this.awaiting = false; // no answer: that node may be dead, paused or cut off; try another
      this.leaderHint = null;
      this.retryAt = now;
    }
    if (!this.awaiting && now >= this.retryAt) this.send();
  }

  onResponse(resp: ClientResponse): void {
    const p = this.pending;
    if (p === null || resp.attempt !== this.attempt || !this.awaiting) return; // an answer to an abandoned attempt
    this.awaiting = false;
    if (!resp.ok) {
      this.leaderHint = resp.leader;
      // Go straight to a named leader; otherwise back off a little before asking around.
      this.retryAt = this.env.now() + (resp.leader ? 0 : 1 + this.env.rng.int(3));
      return;
    }
    const ret = this.env.clock();
    if (p.kind === 'get') {
      p.op.output = resp.value ?? '';
      p.op.ret = ret;
    } else {
      p.op.output = true;
      p.op.ret = ret;
      if (p.kvOp) {
        p.kvOp.output = true;
        p.kvOp.ret = ret;
      }
    }
    this.acked++;
    this.finish();
  }

  private begin(): void {
    const env = this.env;
    const call = env.clock();
    const n = ++this.seq;
    const roll = env.rng.int(10);
    const key = env.rng.pick(env.keys);
    if (roll < 4) {
      const tid = `${this.name}-${n}`;
      const op: AddOperation = { id: env.nextOpId(), client: this.name, input: { tid, data: `d${n}` }, output: undefined, call, ret: Infinity };
      this.history.writes.push(op);
      this.pending = { kind: 'add', tid, key: '', data: `d${n}`, op, kvOp: null };
    } else if (roll < 7) {
      const tid = `${this.name}-${n}`;
      const value = `${this.name}.${n}`; // unique per write, which keeps the register search small
      const op: AddOperation = { id: env.nextOpId(), client: this.name, input: { tid, data: value }, output: undefined, call, ret: Infinity };
      const kvOp: KvOperation = { id: op.id, client: this.name, input: { kind: 'set', key, value }, output: undefined, call, ret: Infinity };
      this.history.writes.push(op);
      this.history.kv.push(kvOp);
      this.pending = { kind: 'set', tid, key, data: value, op, kvOp };
    } else {
      const op: KvOperation = { id: env.nextOpId(), client: this.name, input: { kind: 'get', key }, output: undefined, call, ret: Infinity };
      this.history.kv.push(op);
      this.pending = { kind: 'get', key, op };
    }
    this.opDeadline = env.now() + env.opDeadline;
    this.retryAt = env.now();
    this.send();
  }

  private send(): void {
    const p = this.pending!;
    const env = this.env;
    // Now and then ignore the hint, as a client whose leader discovery raced (every node that still believes it
    // leads answers isLeader true, a deposed one included).
    const to = this.leaderHint !== null && !env.rng.chance(0.2) ? this.leaderHint : env.rng.pick(env.nodes);
    this.attempt++;
    this.awaiting = true;
    this.attemptDeadline = env.now() + env.attemptTimeout;
    const req: ClientRequest =
      p.kind === 'get'
        ? { client: this.index, attempt: this.attempt, kind: 'get', key: p.key }
        : { client: this.index, attempt: this.attempt, kind: p.kind, tid: p.tid, data: p.data, key: p.key };
    env.send(to, req);
  }

  /** The deadline passed: a write may or may not have happened (ret stays infinite); a read just never answered. */
  private giveUp(): void {
    this.unknown++;
    this.finish();
  }

  private finish(): void {
    this.pending = null;
    this.awaiting = false;
    this.nextStart = this.env.now() + this.env.rng.int(6);
  }
}
