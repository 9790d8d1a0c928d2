// The client-facing operations (addEntry, setVal, getVal) on top of the runtime: served locally by the leader, and
// forwarded by a follower to the leader it knows, one hop only. A forwarded call carries a trailing `forwarded` flag,
// so a node that is no longer leader answers false (or a fault) instead of forwarding again: no forwarding loops.
// Retries with the same tid are safe because the leader answers a repeated tid for its first entry.
// How a call reaches the leader is a port (Forwarder): XML-RPC in the node program, the simulated network in the
// simulator, which so runs this code too.
import { randomUUID } from 'node:crypto';
import { RpcClient, RpcFaultError, type RpcClientOptions } from '../rpc/client.js';
import { FAULT } from '../protocol/faults.js';
import { RpcFault } from '../rpc/values.js';
import type { XmlRpcValue } from '../rpc/values.js';
import type { NodeId } from '../raft/types.js';
import type { Logger } from '../util/logger.js';
import { splitHostPort } from '../util/host-port.js';
import { NotLeaderError, type NodeRuntime } from './runtime.js';

/** Sends one client call to another member (the leader) and resolves with its answer; a fault rejects. */
export interface Forwarder {
  call(leader: NodeId, method: string, params: XmlRpcValue[], timeoutMs: number): Promise<XmlRpcValue>;
  close(): void;
}

/** The node program's Forwarder: one keep-alive XML-RPC client per leader forwarded to (leaders change rarely). */
export class RpcForwarder implements Forwarder {
  private readonly clients = new Map<NodeId, RpcClient>();

  constructor(private readonly clientOptions?: (node: NodeId) => RpcClientOptions) {}

  call(leader: NodeId, method: string, params: XmlRpcValue[], timeoutMs: number): Promise<XmlRpcValue> {
    let client = this.clients.get(leader);
    if (client === undefined) {
      const { host, port } = splitHostPort(leader, 'leader');
      client = new RpcClient(host, port, this.clientOptions?.(leader));
      this.clients.set(leader, client);
    }
    return client.call(method, params, timeoutMs);
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}

export interface ClientOpsOptions {
  /** How long a write waits for its entry to be applied before answering false. */
  commitTimeoutMs: number;
  /** How long a follower waits to learn a leader before giving up. */
  leaderWaitMs: number;
  logger: Logger;
  /** How a call reaches the leader. */
  forwarder: Forwarder;
  /** A setVal without a tid gets a fresh one (default: a random UUID). */
  newTid?: () => string;
}

export class ClientOps {
  constructor(
    private readonly runtime: NodeRuntime,
    private readonly opts: ClientOpsOptions,
  ) {}

  async addEntry(tid: string, data: string, forwarded: boolean): Promise<boolean> {
    return this.write('add', tid, data, '', forwarded, () => ['addEntry', [tid, data, true]]);
  }

  /** Without a tid (plain 2-parameter setVal) every call is a new write. */
  async setVal(key: string, value: string, tid: string | undefined, forwarded: boolean): Promise<boolean> {
    const t = tid ?? (this.opts.newTid?.() ?? `set-${randomUUID()}`);
    return this.write('set', t, value, key, forwarded, () => ['setVal', [key, value, t, true]]);
  }

  /** Linearizable: the leader answers through ReadIndex; a follower forwards. Throws when no leader can answer. */
  async getVal(key: string, forwarded: boolean): Promise<string> {
    try {
      return await this.runtime.read(key, this.opts.commitTimeoutMs);
    } catch (err) {
      if (!(err instanceof NotLeaderError) || forwarded) throw err;
      const leader = err.leader ?? (await this.runtime.waitForLeader(this.opts.leaderWaitMs));
      if (leader === null) throw new NotLeaderError(null);
      if (leader === this.runtime.id) return this.runtime.read(key, this.opts.commitTimeoutMs);
      const v = await this.forward(leader, 'getVal', [key, true]);
      if (typeof v !== 'string') throw new Error(`leader ${leader} answered getVal with a ${typeof v}`);
      return v;
    }
  }

  close(): void {
    this.opts.forwarder.close();
  }

  private async write(
    type: 'add' | 'set',
    tid: string,
    data: string,
    key: string,
    forwarded: boolean,
    forwardCall: () => [string, XmlRpcValue[]],
  ): Promise<boolean> {
    const local = await this.runtime.propose(type, tid, data, key, this.opts.commitTimeoutMs);
    if (local.kind === 'done') return local.committed;
    if (forwarded) return false;
    const leader = local.leader ?? (await this.runtime.waitForLeader(this.opts.leaderWaitMs));
    if (leader === null) return false;
    if (leader === this.runtime.id) {
      // We became leader while waiting: propose here (once; no loop).
      const again = await this.runtime.propose(type, tid, data, key, this.opts.commitTimeoutMs);
      return again.kind === 'done' && again.committed;
    }
    const [method, params] = forwardCall();
    try {
      return (await this.forward(leader, method, params)) === true;
    } catch (err) {
      // The leader refused the request itself (e.g. a tid already used for another entry): the caller must hear it.
      if (err instanceof RpcFaultError && err.code === FAULT.badParams) throw new RpcFault(err.code, err.faultString);
      this.opts.logger.debug(`forwarding ${method} to ${leader} failed: ${(err as Error).message}`);
      return false;
    }
  }

  private forward(leader: NodeId, method: string, params: XmlRpcValue[]): Promise<XmlRpcValue> {
    // The leader may take up to its own commit timeout; leave it room to answer before we give up.
    return this.opts.forwarder.call(leader, method, params, this.opts.commitTimeoutMs + 1000);
  }
}
