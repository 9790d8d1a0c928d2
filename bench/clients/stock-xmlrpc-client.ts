// Bench client for our cluster written the way a user of the npm `xmlrpc` package would: createClient per node and
// methodCall, nothing else configured (so it runs on Node's global agent and the package's own headers, serializer and
// parser). It follows the leader like the other bench clients so the rows compare like with like; only the wire
// client differs. The package has no timeout of its own, so each attempt is bounded here.
import xmlrpc from 'xmlrpc';
import type { ClientSpec, KvClient, OpOutcome } from './kv-client.js';
import { splitHostPort } from '../../src/util/host-port.js';
import { LeaderFollowingClient, leaderByStatus } from './leader-following.js';

export class StockXmlrpcBenchClient extends LeaderFollowingClient implements KvClient {
  private readonly clients = new Map<string, xmlrpc.Client>();
  private readonly rpc: ClientSpec['rpc'];

  constructor(spec: ClientSpec) {
    super(spec.endpoints, spec.attemptTimeoutMs, spec.opDeadlineMs);
    this.rpc = spec.rpc;
  }

  add(tid: string, data: string): Promise<OpOutcome> {
    return this.withLeader(async (leader, t) => (await this.call(leader, 'addEntry', [tid, data], t)) === true);
  }

  set(key: string, value: string, tid: string): Promise<OpOutcome> {
    return this.withLeader(async (leader, t) => (await this.call(leader, 'setVal', [key, value, tid], t)) === true);
  }

  get(key: string): Promise<OpOutcome> {
    return this.withLeader(async (leader, t) => typeof (await this.call(leader, 'getVal', [key], t)) === 'string');
  }

  close(): void {
    this.closed = true;
    this.clients.clear();
  }

  protected discoverOnce(timeoutMs: number): Promise<string | null> {
    return leaderByStatus(this.endpoints, (ep) => this.call(ep, 'status', [], timeoutMs));
  }

  /** One methodCall, rejected after timeoutMs (the package would wait forever on a silent server). */
  private call(endpoint: string, method: string, params: unknown[], timeoutMs: number): Promise<unknown> {
    let c = this.clients.get(endpoint);
    if (c === undefined) {
      const { host, port } = splitHostPort(endpoint, 'endpoint');
      // As deployed: HTTPS with the cluster CA and the client credential, the way a user of the package writes it.
      const auth = this.rpc?.auth === undefined ? {} : { basic_auth: { user: this.rpc.auth.user, pass: this.rpc.auth.password } };
      c = this.rpc?.ca !== undefined
        ? xmlrpc.createSecureClient({ host, port, path: '/RPC2', ca: this.rpc.ca, ...auth } as unknown as Parameters<typeof xmlrpc.createSecureClient>[0])
        : xmlrpc.createClient({ host, port, path: '/RPC2', ...auth });
      this.clients.set(endpoint, c);
    }
    const client = c;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from ${endpoint} within ${timeoutMs} ms`)), timeoutMs);
      client.methodCall(method, params, (err: unknown, value: unknown) => {
        clearTimeout(timer);
        if (err) reject(err instanceof Error ? err : new Error(String(err)));
        else resolve(value);
      });
    });
  }
}
