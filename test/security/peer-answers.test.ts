// Members' answers are authenticated too (peers talk plain HTTP in a deployed cluster, so anyone on the path could
// otherwise answer for them). A real node process whose two peers are replaced by impostors on their ports: one
// answers every vote request "granted" without a MAC (forged), the other holds the real member's keys and answers a
// pre-vote genuinely, then replays that answer, MAC and all, for the real vote that follows (a recorded answer played
// back). Either would make the node leader if believed; it must stay without a leader and log why.
import { expect } from 'chai';
import http from 'node:http';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalCluster } from '../../src/node/local-cluster.js';
import { encodeVoteResponse } from '../../src/rpc/codec.js';
import { decodeCall, encodeFault, encodeResponse } from '../../src/rpc/wire.js';
import { loadNodeSecrets } from '../../src/security/node-secrets.js';
import { ANSWER_AUTH_HEADER, PEER_AUTH_HEADER, PeerVerifier, sealAnswer } from '../../src/security/peer-mac.js';
import { startTestCluster, waitUntil } from '../integration/helpers.js';

interface Seen {
  preVotes: number;
  votes: number;
  /** Requests whose MAC did not verify with the impersonated member's keys (must stay 0: the node signs properly). */
  badMacs: number;
}

/** A plain-HTTP impostor on a member's port; `answerVote` decides what a (MAC-verified) vote request gets. */
function impostor(
  port: number,
  verifier: PeerVerifier,
  seen: Seen,
  answerVote: (preVote: boolean, term: number, header: string) => { body: string; headers: Record<string, string> } | null,
): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const header = req.headers[PEER_AUTH_HEADER];
      void decodeCall(body.toString('utf8')).then(({ method, params }) => {
        const check = verifier.verify(typeof header === 'string' ? header : undefined, method, body);
        if (!check.ok) seen.badMacs++;
        const answer = method === 'requestVotesRPC' && check.ok ? answerVote(params[4] === true, Number(params[0]), header as string) : null;
        if (answer === null) {
          const fault = encodeFault(500, 'impostor');
          res.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(fault) }).end(fault);
          return;
        }
        if (params[4] === true) seen.preVotes++;
        else seen.votes++;
        res.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(answer.body), ...answer.headers }).end(answer.body);
      }, () => res.writeHead(400).end());
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('answers between members are authenticated and bound to their request (real node process)', function () {
  this.timeout(120_000);
  let dir: string;
  let c: LocalCluster;
  const servers: http.Server[] = [];

  before(async () => {
    ({ dir, cluster: c } = await startTestCluster('raft-answers-', 3, { security: { tls: true, clientAuth: true }, logLevel: 'debug' }));
    await c.waitForLeader(20_000);
  });
  after(async () => {
    for (const s of servers) s.closeAllConnections();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    await c?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a forged and a replayed "vote granted", so the node never becomes leader on them', async () => {
    const [n0, n1, n2] = c.endpoints;
    // Node 0 restarts among the impostors: it starts as a follower, so any leadership comes from their answers.
    for (const i of [0, 1, 2]) await c.kill(i);
    const secretsOf = (i: number): ReturnType<typeof loadNodeSecrets> =>
      loadNodeSecrets(join(c.nodes[i].dataDir, 'secrets'), c.endpoints[i], c.endpoints, true);
    const keysFor = (i: number): Map<string, Buffer[]> => new Map([[n0, [secretsOf(i).peerKeys.get(n0)!]]]);
    const forged: Seen = { preVotes: 0, votes: 0, badMacs: 0 };
    const replayed: Seen = { preVotes: 0, votes: 0, badMacs: 0 };
    // Impostor 1 has no key: it grants everything, unsigned.
    servers.push(
      await impostor(c.nodes[1].port, new PeerVerifier(n1, keysFor(1)), forged, (_pre, term) => ({
        body: encodeResponse(encodeVoteResponse({ type: 'voteResp', from: n1, to: n0, term, granted: true, preVote: false })),
        headers: {},
      })),
    );
    // Impostor 2 stands for a recording on the path: a genuine answer (sealed with member 2's key) to a pre-vote,
    // played back word for word as the answer to the real vote request that follows it.
    const key2 = secretsOf(2).peerKeys.get(n0)!;
    let recorded: { body: string; headers: Record<string, string> } | null = null;
    servers.push(
      await impostor(c.nodes[2].port, new PeerVerifier(n2, keysFor(2)), replayed, (preVote, term, header) => {
        if (!preVote) return recorded;
        const body = encodeResponse(encodeVoteResponse({ type: 'voteResp', from: n2, to: n0, term, granted: true, preVote: true }));
        recorded = { body, headers: sealAnswer(n2, { sender: n0, key: key2, header }, body) };
        return recorded;
      }),
    );

    await c.restart(0);
    // The genuine pre-vote grant is believed (so the node goes on to a real vote, which is where the replay lands);
    // the real votes are not. Polled for the whole time: never a leader.
    let leaderSeen = false;
    await waitUntil('real vote requests answered by both impostors, three times', 30_000, async () => {
      if ((await c.status(0, 2000))?.role === 'leader') leaderSeen = true;
      return forged.votes >= 3 && replayed.votes >= 3 ? true : undefined;
    });
    for (let i = 0; i < 10; i++) {
      if ((await c.status(0, 2000))?.role === 'leader') leaderSeen = true;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(leaderSeen, 'node 0 became leader on answers it should have refused').to.equal(false);
    expect(forged.badMacs + replayed.badMacs, 'the node signs its plain-HTTP calls').to.equal(0);
    expect(replayed.preVotes).to.be.greaterThan(0);
    const log = readFileSync(join(c.nodes[0].dataDir, 'node.log'), 'utf8');
    expect(log).to.contain(`answer refused: the answer carries no peer MAC`);
    expect(log).to.contain(`answer refused: bad answer MAC`);
    expect(log).to.not.contain(ANSWER_AUTH_HEADER);
  });
});
