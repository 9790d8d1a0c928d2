// A cluster configured as deploy/ configures it ("security": {"tls": true, "clientAuth": true}), on real processes:
// clients talk HTTPS verified with the cluster CA, every call needs a credential, and the README's stock Python line
// (https://client:TOKEN@host:port with the CA in an ssl context) works. Anonymous, wrong-token, plain-HTTP and
// CA-less TLS clients are refused and change nothing. Members call each other over plain HTTP on the same port with
// MACs both ways: there, only a member's MAC-proven Raft call is served.
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RaftClient } from '../../src/client/raft-client.js';
import { startLocalCluster, type LocalCluster } from '../../src/node/local-cluster.js';
import { findFreePorts } from '../../src/node/ports.js';
import { RpcClient, RpcFaultError } from '../../src/rpc/client.js';
import { waitUntil } from '../integration/helpers.js';
import { callBody, forgedAppend, forgedVote, nodeState, post, type NodeState } from './helpers.js';
import { basicAuthHeader } from '../../src/security/tokens.js';
import { loadNodeSecrets } from '../../src/security/node-secrets.js';
import { PeerSigner } from '../../src/security/peer-mac.js';

const lines = (text: string): number => text.split('\n').filter((l) => l !== '').length;

/** Runs python3 -c CODE; resolves with stdout, or the last line of stderr (the exception) on failure. */
function python(code: string): { ok: boolean; out: string } {
  try {
    return { ok: true, out: execFileSync('python3', ['-c', code], { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] }).trim() };
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '');
    return { ok: false, out: stderr.trim().split('\n').pop() ?? '' };
  }
}


/**
 * Timeouts long enough that a loaded machine (a 2-core CI box running other jobs) causes no spontaneous election:
 * these tests check that refused calls change no term or leader, so any change must come from the calls.
 */
const CALM = { heartbeatMs: 100, electionTimeoutMs: 1500 };
describe('a cluster configured as deployed: TLS and client credentials (real processes)', function () {
  this.timeout(120_000);
  let dir: string;
  let c: LocalCluster;
  let clientToken: string;

  const states = (): Promise<NodeState[]> => Promise.all(c.nodes.map((_, i) => nodeState(c, i)));
  const quiet = (): Promise<NodeState[]> =>
    waitUntil('the cluster to be quiet', 20_000, async () => {
      const s = await states();
      const top = Math.max(...s.map((x) => x.lastLogIndex));
      // Raftlog lines are written in batches shortly after the commit: quiet means they are all there too.
      return s.every((x) => x.commitIndex === top && x.raftlog === s[0].raftlog && lines(x.raftlog) === top) ? s : undefined;
    });
  const faultCode = async (p: Promise<unknown>): Promise<number | string> => {
    try {
      await p;
      return 'answered';
    } catch (err) {
      return err instanceof RpcFaultError ? err.code : (err as Error).message;
    }
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'raft-tls-'));
    c = await startLocalCluster({ nodes: 3, dataDir: dir, ports: await findFreePorts(3), logLevel: 'warn', ...CALM, security: { tls: true, clientAuth: true } });
    await c.waitForLeader(20_000);
    clientToken = readFileSync(join(dir, 'secrets', 'client.token'), 'utf8').trim();
  });
  after(async () => {
    await c?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('elects a leader over TLS and commits entries for a client holding the token and the CA', async () => {
    const client = new RaftClient(c.endpoints, { credentials: c.security.credentials, timeoutMs: 5000 });
    try {
      // Made at once, the five go as one system.multicall (call-batcher.ts), under the client credential.
      const added = await Promise.all([0, 1, 2, 3, 4].map((k) => client.addEntry(`tls-${k}`)));
      expect(added.map((a) => a.ok)).to.deep.equal([true, true, true, true, true]);
      expect(await client.getVal('nothing')).to.equal('');
    } finally {
      client.close();
    }
    const s = await quiet();
    for (const x of s) expect(x.raftlog.split('\n').filter((l) => l.includes('"data":"tls-')).length).to.equal(5);
    expect(readFileSync(c.configFile, 'utf8')).to.contain('"tls": true');
  });

  it('refuses anonymous, wrong-token, plain-HTTP and CA-less clients, and nothing changes', async () => {
    const before = await quiet();
    const { port, host } = c.nodes[0];
    const ca = c.security.credentials.ca!;
    const anonymous = new RpcClient(host, port, { ca, timeoutMs: 5000 });
    const wrong = new RpcClient(host, port, { ca, auth: { user: 'client', password: 'guessed' }, timeoutMs: 5000 });
    const plain = new RpcClient(host, port, { auth: { user: 'client', password: clientToken }, timeoutMs: 5000 });
    const noCa = new RpcClient(host, port, { ca: readFileSync(join(dir, 'node-1', 'secrets', 'node.pem'), 'utf8'), auth: { user: 'client', password: clientToken }, timeoutMs: 5000 });
    const good = new RpcClient(host, port, { ca, auth: { user: 'client', password: clientToken }, timeoutMs: 5000 });
    try {
      // The node remembers a proven credential header (authenticator.ts): a good call first, so the refusals below
      // are checked against a node that has one on record.
      expect(await good.call('status', [])).to.be.an('object');
      expect(await faultCode(anonymous.call('addEntry', ['anon', 'x']))).to.equal(401);
      expect(await faultCode(anonymous.call('status', []))).to.equal(401);
      expect(await faultCode(wrong.call('addEntry', ['wrong', 'x']))).to.equal(401);
      // A batch is a client call like any other: no credential, no batch.
      expect(await faultCode(anonymous.call('system.multicall', [[{ methodName: 'addEntry', params: ['anon-batch', 'x'] }]]))).to.equal(401);
      // With the client credential, a batch still cannot carry an admin or a member's call: each is refused in place.
      const smuggled = await good.call('system.multicall', [[
        { methodName: 'suspend', params: [5] },
        { methodName: 'appendEntriesRPC', params: forgedAppend(before[0], c.endpoints[1], c.endpoints[0]) },
      ]]);
      expect(smuggled).to.be.an('array').with.length(2);
      for (const r of smuggled as Array<{ faultCode: number; faultString: string }>) expect(r.faultString).to.match(/cannot be batched/);
      expect(await faultCode(wrong.call('suspend', [5]))).to.equal(401);
      // The client token is no admin credential.
      expect(await faultCode(new RpcClient(host, port, { ca, auth: { user: 'client', password: clientToken } }).call('suspend', [5]))).to.equal(401);
      // In clear, the node says why: the token must not travel that way.
      expect(await faultCode(plain.call('addEntry', ['plain', 'x']))).to.match(/HTTP 426 .*TLS only.*credentials must not travel in clear/);
      // Trusting something other than the cluster CA (here another node's certificate): the handshake fails.
      expect(await faultCode(noCa.call('addEntry', ['no-ca', 'x']))).to.match(/certificate|self.signed|verify/i);
    } finally {
      for (const x of [anonymous, wrong, plain, noCa, good]) x.close();
    }
    const py = python(`import xmlrpc.client as x; print(x.ServerProxy("https://client:${clientToken}@${host}:${port}").addEntry("py-noca", "x"))`);
    expect(py.ok).to.equal(false);
    expect(py.out).to.match(/CERTIFICATE_VERIFY_FAILED/);
    const after = await quiet();
    expect(after).to.deep.equal(before);
    for (const x of after) expect(x.raftlog).to.not.match(/anon|wrong|plain|no-ca|py-noca/);
  });

  it('serves only members\' MAC-proven Raft calls over plain HTTP: clients, admins and forged peer calls are refused', async () => {
    const before = await quiet();
    const [lead, f] = [before.findIndex((x) => x.role === 'leader'), before.findIndex((x) => x.role !== 'leader')];
    const { port } = c.nodes[f];
    const lId = c.endpoints[lead];
    const fId = c.endpoints[f];
    const adminToken = readFileSync(join(dir, 'secrets', 'admin.token'), 'utf8').trim();
    // Client and admin calls in clear, with or without a credential: HTTP 426 naming TLS, unserved.
    for (const [method, params, headers] of [
      ['addEntry', ['clear-1', 'x'], { Authorization: basicAuthHeader('client', clientToken) }],
      ['addEntry', ['clear-2', 'x'], {}],
      ['status', [], {}],
      ['suspend', [5], { Authorization: basicAuthHeader('admin', adminToken) }],
    ] as const) {
      const a = await post(port, callBody(method, [...params]), { ...headers });
      expect(a.status, method).to.equal(426);
    }
    // Raft calls in clear from an outsider: no MAC, or a made-up one.
    const expectRefused = (a: Awaited<ReturnType<typeof post>>, why: string): void => {
      expect(a.status).to.equal(200);
      expect(a.fault?.code).to.equal(401);
      expect(a.fault?.message).to.contain(why);
    };
    expectRefused(await post(port, callBody('appendEntriesRPC', forgedAppend(before[f], lId, fId))), 'no peer authentication header');
    expectRefused(await post(port, callBody('requestVotesRPC', forgedVote(before[f], lId, fId))), 'no peer authentication header');
    const fake = { 'x-raft-peer-auth': `raft-hmac-sha256-v1 ${lId} ${Date.now()} 0123456789abcdef.1 ${'ab'.repeat(32)}` };
    expectRefused(await post(port, callBody('appendEntriesRPC', forgedAppend(before[f], lId, fId)), fake), 'bad MAC');
    // A peer's header on a client call does not open the plain door for it.
    expect((await post(port, callBody('addEntry', ['clear-3', 'x']), fake)).status).to.equal(426);
    const after = await quiet();
    expect(after).to.deep.equal(before);
    for (const x of after) expect(x.raftlog).to.not.match(/evil|clear-/);
    // Refusals are logged with where they came from.
    expect(readFileSync(join(c.nodes[f].dataDir, 'node.log'), 'utf8')).to.match(/refused appendEntriesRPC from 127\.0\.0\.1:\d+: no peer authentication header/);
  });

  it('run_client finds the tokens and CA beside the cluster config; without them it fails at once with the refusal', async () => {
    const cli = fileURLToPath(new URL('../../src/client/cli.js', import.meta.url));
    const run = (args: string[]): { code: number; out: string } => {
      const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });
      return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
    };
    const add = run(['--config', c.configFile, 'add', 'from-cli', '--count', '5']);
    expect(add.code, add.out).to.equal(0);
    const suspend = run(['--config', c.configFile, 'suspend', '3', '1']);
    expect(suspend.code, suspend.out).to.equal(0);
    expect(suspend.out).to.contain(`${c.endpoints[2]} suspended for 1 s`);
    const started = Date.now();
    const none = run(['--nodes', c.endpoints.join(','), '--secrets', join(dir, 'node-0', 'secrets'), 'add', 'x', '--deadline', '20000']);
    expect(none.code, none.out).to.equal(1);
    expect(none.out).to.match(/refused: needs a client credential/);
    expect(Date.now() - started, 'not retried until the deadline').to.be.below(15_000);
    await waitUntil('node 2 back from suspension', 20_000, async () => ((await c.status(2))?.suspended === false ? true : undefined));
  });

  it('serves the README\'s stock Python client line with the client token and the cluster CA', async () => {
    const { host, port } = c.nodes[1];
    const cafile = join(dir, 'secrets', 'ca.pem');
    const py = python(
      'import ssl, xmlrpc.client; ' +
        `s = xmlrpc.client.ServerProxy("https://client:${clientToken}@${host}:${port}", context=ssl.create_default_context(cafile="${cafile}")); ` +
        'print(s.addEntry("py-tls-1", "hello over tls"), s.status()["role"] in ("leader", "follower")); ' +
        // The README's batch: Python's MultiCall sends system.multicall, one request for both writes.
        'm = xmlrpc.client.MultiCall(s); m.addEntry("py-tls-2", "one"); m.addEntry("py-tls-3", "two"); print(tuple(m()))',
    );
    expect(py, py.out).to.deep.equal({ ok: true, out: 'True True\n(True, True)' });
    const s = await quiet();
    for (const x of s) expect(x.raftlog).to.contain('"tid":"py-tls-1","data":"hello over tls"');
    for (const x of s) expect(x.raftlog).to.contain('"tid":"py-tls-2","data":"one"').and.to.contain('"tid":"py-tls-3","data":"two"');
  });
});

describe('a deployed cluster with "peerTls": members call each other over HTTPS (real processes)', function () {
  this.timeout(120_000);
  let dir: string;
  let c: LocalCluster;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'raft-peertls-'));
    c = await startLocalCluster({ nodes: 3, dataDir: dir, ports: await findFreePorts(3), logLevel: 'warn', ...CALM, security: { tls: true, clientAuth: true, peerTls: true } });
    await c.waitForLeader(20_000);
  });
  after(async () => {
    await c?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('elects and commits, and refuses even a member\'s correctly signed call in clear', async () => {
    const client = new RaftClient(c.endpoints, { credentials: c.security.credentials, timeoutMs: 5000 });
    try {
      for (let k = 0; k < 3; k++) expect((await client.addEntry(`peertls-${k}`)).ok).to.equal(true);
    } finally {
      client.close();
    }
    expect(readFileSync(c.configFile, 'utf8')).to.match(/"peerTls": true/);
    const s = await nodeState(c, 1);
    const member = loadNodeSecrets(join(c.nodes[0].dataDir, 'secrets'), c.endpoints[0], c.endpoints, true);
    const body = callBody('requestVotesRPC', forgedVote(s, c.endpoints[0], c.endpoints[1]));
    const a = await post(c.nodes[1].port, body, new PeerSigner(c.endpoints[0], member.peerKeys).headers(c.endpoints[1], 'requestVotesRPC', body));
    expect(a.status).to.equal(426);
    const after = await nodeState(c, 1);
    expect(after.term).to.equal(s.term);
  });
});
