// Helpers for the security tests: a node's state as an outsider would want to change it (status plus the vote in its
// hardstate file, read without touching the file), raw signed posts, and forged Raft calls.
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { encodeAppendRequest, encodeVoteRequest } from '../../src/rpc/codec.js';
import { decodeResponse, encodeCall } from '../../src/rpc/wire.js';
import type { XmlRpcValue } from '../../src/rpc/values.js';
import type { LocalCluster } from '../../src/node/local-cluster.js';

export interface NodeState {
  role: string;
  term: number;
  leader: string;
  commitIndex: number;
  lastLogIndex: number;
  vote: string | null;
  raftlog: string;
}

/** The hard state's vote, parsed read-only ("<crc> {json}"; the storage reader would remove a temp file). */
function hardStateVote(nodeDir: string): string | null {
  const text = readFileSync(join(nodeDir, 'hardstate'), 'utf8');
  return (JSON.parse(text.slice(text.indexOf(' ') + 1)) as { vote: string | null }).vote;
}

export async function nodeState(c: LocalCluster, i: number): Promise<NodeState> {
  const s = await c.status(i, 5000);
  if (s === null) throw new Error(`node ${i} did not answer status`);
  return {
    role: s.role,
    term: s.term,
    leader: s.leader,
    commitIndex: s.commitIndex,
    lastLogIndex: s.lastLogIndex,
    vote: hardStateVote(c.nodes[i].dataDir),
    raftlog: readFileSync(join(c.nodes[i].dataDir, 'raftlog'), 'utf8'),
  };
}

export interface Answer {
  status: number;
  fault?: { code: number; message: string };
  value?: XmlRpcValue;
}

/** POSTs `body` with extra headers; decodes the answer (fault or value). */
export function post(port: number, body: Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: '/RPC2', headers: { 'Content-Type': 'text/xml', 'Content-Length': body.length, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) return resolve({ status: res.statusCode ?? 0 });
          decodeResponse(text).then(
            (d) => resolve(d.fault ? { status: 200, fault: { code: d.code, message: d.message } } : { status: 200, value: d.value }),
            reject,
          );
        });
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end(body);
  });
}

export function callBody(method: string, params: XmlRpcValue[]): Buffer {
  return Buffer.from(encodeCall(method, params), 'utf8');
}

/** The attack: a far higher term, in the leader's name, appending an "evil" entry after the follower's log. */
export function forgedAppend(s: NodeState, leaderId: string, to: string): XmlRpcValue[] {
  const term = s.term + 59;
  return encodeAppendRequest({
    type: 'append', term, from: leaderId, to, prevLogIndex: s.lastLogIndex, prevLogTerm: s.term,
    entries: [{ index: s.lastLogIndex + 1, term, type: 'add', tid: 'evil-1', data: 'evil', key: '' }],
    leaderCommit: s.lastLogIndex + 1, seq: 1,
  });
}

export function forgedVote(s: NodeState, candidateId: string, to: string): XmlRpcValue[] {
  return encodeVoteRequest({ type: 'vote', term: s.term + 59, from: candidateId, to, lastLogIndex: s.lastLogIndex + 100, lastLogTerm: s.term + 58, preVote: false });
}
