// Secret rotation without losing the quorum: new secrets are rolled in with three rolling restarts, one node at a
// time, each only once the cluster has a leader and the restarted node has caught up. Between phases every pair of
// nodes still understands each other:
//   A  sign with the OLD keys, accept old and new keys and tokens, serve the old certificate, trust both CAs
//   B  sign with the NEW keys, accept both, serve the new certificate, trust both CAs
//   C  the new secrets only
// (A node in A talks to one still on the old set, B to A, C to B; no two adjacent phases are ever apart.)
// The driver is generic (RotationTarget): the deploy task restarts over ssh, the tests restart local processes.
import { parseNodeStatus, type NodeStatus } from '../protocol/status.js';
import { splitHostPort } from '../util/host-port.js';
import { RpcClient, type RpcClientOptions } from '../rpc/client.js';
import type { ClusterCredentials } from './cluster-secrets.js';
import { credentialOptions } from './client-credentials.js';
import type { NodeSecrets } from './node-secrets.js';

export type RotationPhase = 'A' | 'B' | 'C';
export const ROTATION_PHASES: readonly RotationPhase[] = ['A', 'B', 'C'];

function bothCas(a: NodeSecrets, b: NodeSecrets): string | undefined {
  if (a.tls === undefined || b.tls === undefined) return undefined;
  return `${a.tls.ca.trim()}\n${b.tls.ca.trim()}\n`;
}

/** Node's secrets in `phase`, from its old and its new set. */
export function phaseSecrets(oldS: NodeSecrets, newS: NodeSecrets, phase: RotationPhase): NodeSecrets {
  if (phase === 'C') return newS;
  const signer = phase === 'A' ? oldS : newS;
  const other = phase === 'A' ? newS : oldS;
  const ca = bothCas(oldS, newS);
  return {
    self: oldS.self,
    peerKeys: signer.peerKeys,
    acceptPeerKeys: other.peerKeys,
    adminTokenSha256: [...oldS.adminTokenSha256, ...newS.adminTokenSha256],
    clientTokenSha256: [...oldS.clientTokenSha256, ...newS.clientTokenSha256],
    tls: signer.tls === undefined || ca === undefined ? undefined : { key: signer.tls.key, cert: signer.tls.cert, ca },
  };
}

export interface RotationTarget {
  members: string[];
  /** Puts node `id`'s secrets where it reads them (it reads them at its next start). */
  install(id: string, secrets: NodeSecrets): Promise<void>;
  /** Stops node `id` and starts it again; resolves once it serves. */
  restart(id: string): Promise<void>;
  log(line: string): void;
}

export interface RotationOptions {
  oldSecrets: ReadonlyMap<string, NodeSecrets>;
  newSecrets: ReadonlyMap<string, NodeSecrets>;
  oldCredentials: ClusterCredentials;
  newCredentials: ClusterCredentials;
  /** Bound on the wait for a leader and for the restarted node to catch up (default 60 s). */
  catchUpTimeoutMs?: number;
}

async function statusOf(id: string, opts: RpcClientOptions): Promise<NodeStatus | null> {
  const { host, port } = splitHostPort(id, 'member');
  const c = new RpcClient(host, port, { ...opts, timeoutMs: 2000 });
  try {
    return parseNodeStatus(await c.call('status', []), id);
  } catch {
    return null;
  } finally {
    c.close();
  }
}

/** The leader's status, when exactly one node claims leadership and answers. */
async function leaderStatus(members: string[], opts: RpcClientOptions): Promise<NodeStatus | null> {
  const all = await Promise.all(members.map((m) => statusOf(m, opts)));
  const leaders = all.filter((s): s is NodeStatus => s !== null && s.role === 'leader');
  return leaders.length === 1 ? leaders[0] : null;
}

async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; ; i++) {
    const v = await check();
    if (v !== null) return v;
    if (Date.now() > deadline || i > 100_000) throw new Error(`rotation stopped: no ${what} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function rotateSecrets(target: RotationTarget, o: RotationOptions): Promise<void> {
  const timeoutMs = o.catchUpTimeoutMs ?? 60_000;
  const anyOld = o.oldSecrets.get(target.members[0])!;
  const anyNew = o.newSecrets.get(target.members[0])!;
  const ca = bothCas(anyOld, anyNew);
  for (const phase of ROTATION_PHASES) {
    // Nodes not yet in A accept only the old tokens; from B on every node accepts the new ones.
    const creds = phase === 'A' ? o.oldCredentials : o.newCredentials;
    const rpc: RpcClientOptions = { ...credentialOptions(creds, false), ...(ca === undefined ? {} : { ca }) };
    const first = await waitFor('leader', timeoutMs, () => leaderStatus(target.members, rpc));
    // Followers first, the leader last: one election per phase at most.
    const order = [...target.members.filter((m) => m !== first.id), first.id];
    for (const id of order) {
      const before = await waitFor('leader', timeoutMs, () => leaderStatus(target.members, rpc));
      await target.install(id, phaseSecrets(o.oldSecrets.get(id)!, o.newSecrets.get(id)!, phase));
      await target.restart(id);
      await waitFor(`leader and ${id} caught up (to index ${before.commitIndex})`, timeoutMs, async () => {
        const l = await leaderStatus(target.members, rpc);
        const s = await statusOf(id, rpc);
        return l !== null && s !== null && s.lastApplied >= before.commitIndex && (s.role === 'leader' || s.leader === l.id) ? true : null;
      });
      target.log(`phase ${phase}: ${id} restarted and caught up`);
    }
  }
}
