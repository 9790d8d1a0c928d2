// Fuzzing as a test (issue 11): random and mutated XML-RPC, odd values and broken HTTP framing against a live 3-node
// cluster, for a bounded number of requests and a bounded time. Every request must be answered (a value, a fault or an
// HTTP 4xx; broken framing may instead be closed by the server), no node may exit, and afterwards the cluster must
// still commit writes with byte-identical raftlogs. fast-check drives the generation; a failure prints its seed and
// the shrunk request, and FUZZ_SEED=<seed> replays it.
import { expect } from 'chai';
import fc from 'fast-check';
import { rmSync } from 'node:fs';
import { connect } from 'node:net';
import type { LocalCluster } from '../../src/node/local-cluster.js';
import { Clients, rawPost, readRaftlog, waitUntil, startTestCluster } from './helpers.js';

const NODES = 3;
const XML_RUNS = Number(process.env.FUZZ_RUNS ?? 600);
const FRAMING_RUNS = Number(process.env.FUZZ_FRAMING_RUNS ?? 150);
const TIME_LIMIT_MS = 15_000;

// ------------------------------------------------------------------ generators

/** Strings with the characters that caused trouble: controls, U+FFFE, lone surrogates, markup, entities, long runs. */
const nastyString = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: fc.constantFrom('\u0000', '\u0001', '\u0003', '\u001f', '\ufffe', '\uffff', '\ud800', '\udc00', '<', '>', '&', '\r', '"', ']]>', '&#1;', '&lt;', 'é', '😀', 'a'), maxLength: 40 }),
  fc.constantFrom('', '>'.repeat(70_000), 'x'.repeat(50_000), '&'.repeat(10_000)),
);

const intText = fc.oneof(
  fc.integer().map(String),
  fc.constantFrom('1.5', '1zz', '1e3', ' 1', '', '+7', '-0', '2147483648', '-2147483649', '99999999999999999999', '0x10', 'NaN'),
);

/** An XML-RPC <value> as text, possibly ill-typed, ill-formed or deeply nested. */
const valueXml: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    nastyString.map((s) => `<value><string>${s}</string></value>`),
    nastyString.map((s) => `<value>${s}</value>`),
    intText.map((t) => `<value><int>${t}</int></value>`),
    intText.map((t) => `<value><i4>${t}</i4></value>`),
    intText.map((t) => `<value><i8>${t}</i8></value>`),
    fc.constantFrom('0', '1', '2', 'true', '', '\u0004').map((t) => `<value><boolean>${t}</boolean></value>`),
    fc.constantFrom('1.5', 'x', '1e400', '-.5', 'NaN').map((t) => `<value><double>${t}</double></value>`),
    fc.constantFrom('<value><nil/></value>', '<value><base64>aGk=</base64></value>', '<value><dateTime.iso8601>2026</dateTime.iso8601></value>', '<value><unknown>1</unknown></value>', '<value/>'),
    fc.array(tie('value'), { maxLength: 4 }).map((vs) => `<value><array><data>${vs.join('')}</data></array></value>`),
    fc.array(fc.tuple(nastyString, tie('value')), { maxLength: 3 }).map((ms) => `<value><struct>${ms.map(([n, v]) => `<member><name>${n}</name>${v}</member>`).join('')}</struct></value>`),
    fc.integer({ min: 50, max: 3000 }).map((d) => '<value><array><data>'.repeat(d) + '</data></array></value>'.repeat(d)),
  ),
})).value;

// Peer and admin calls too: without a MAC or the admin token they must be refused before anything changes (a valid
// anonymous suspend would otherwise silence a node for up to an hour).
const METHODS = ['addEntry', 'setVal', 'getVal', 'isLeader', 'getLeader', 'status', 'logTail', 'suspend', 'isolate', 'campaign', 'appendEntriesRPC', 'requestVotesRPC', 'requestVoteRPC', 'nope', 'x\u0001', '__proto__', 'constructor', 'toString', '', 'system.multicall'];

const callXml = fc
  .tuple(fc.constantFrom(...METHODS), fc.array(valueXml, { maxLength: 4 }), fc.constantFrom('', '<!-- c -->', '<!DOCTYPE x [<!ENTITY a "b">]>'))
  .map(([m, ps, pre]) => `<?xml version="1.0"?>${pre}<methodCall><methodName>${m}</methodName><params>${ps.map((p) => `<param>${p}</param>`).join('')}</params></methodCall>`);

/** Valid client calls as seeds for byte-level mutation (a suspend would silence a node: its seconds are kept small). */
const TEMPLATES = [
  '<?xml version="1.0"?><methodCall><methodName>addEntry</methodName><params><param><value><string>fz</string></value></param><param><value><string>data</string></value></param></params></methodCall>',
  "<?xml version='1.0'?>\n<methodCall>\n<methodName>setVal</methodName>\n<params>\n<param>\n<value><string>k</string></value>\n</param>\n<param>\n<value><string>v</string></value>\n</param>\n</params>\n</methodCall>\n",
  '<?xml version="1.0"?><methodCall><methodName>getVal</methodName><params><param><value>k</value></param></params></methodCall>',
  '<?xml version="1.0"?><methodCall><methodName>status</methodName><params/></methodCall>',
  // A plausible forged append (an outsider claiming a member's id): refused without a MAC however it is mutated.
  '<?xml version="1.0"?><methodCall><methodName>appendEntriesRPC</methodName><params><param><value><int>9</int></value></param><param><value><string>127.0.0.1:1</string></value></param><param><value><int>0</int></value></param><param><value><int>0</int></value></param><param><value><array><data><value><struct><member><name>index</name><value><int>1</int></value></member><member><name>term</name><value><int>9</int></value></member><member><name>type</name><value><string>add</string></value></member><member><name>tid</name><value><string>evil</string></value></member><member><name>data</name><value><string>evil</string></value></member><member><name>key</name><value><string></string></value></member></struct></value></data></array></value></param><param><value><int>1</int></value></param></params></methodCall>',
  '<?xml version="1.0"?><methodCall><methodName>suspend</methodName><params><param><value><int>3600</int></value></param></params></methodCall>',
  // A batch carrying a write, a read and a smuggled admin call (refused inside a batch however it is mutated).
  '<?xml version="1.0"?><methodCall><methodName>system.multicall</methodName><params><param><value><array><data>' +
    '<value><struct><member><name>methodName</name><value><string>addEntry</string></value></member><member><name>params</name><value><array><data><value><string>fzb</string></value><value><string>d</string></value></data></array></value></member></struct></value>' +
    '<value><struct><member><name>methodName</name><value><string>getVal</string></value></member><member><name>params</name><value><array><data><value><string>k</string></value></data></array></value></member></struct></value>' +
    '<value><struct><member><name>methodName</name><value><string>suspend</string></value></member><member><name>params</name><value><array><data><value><int>3600</int></value></data></array></value></member></struct></value>' +
    '</data></array></value></param></params></methodCall>',
];

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bits: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: nastyString }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('dup' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 60 }), times: fc.integer({ min: 2, max: 200 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(base: string, ms: Mutation[]): Buffer {
  let b = Buffer.from(base, 'utf8');
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    if (m.kind === 'flip') {
      if (b.length > 0) b[at] ^= m.bits;
    } else if (m.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from(m.text, 'utf8'), b.subarray(at)]);
    else if (m.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]);
    else {
      const piece = b.subarray(at, at + m.len);
      b = Buffer.concat([b.subarray(0, at), ...Array.from({ length: m.times }, () => piece), b.subarray(at)]);
    }
  }
  return b;
}

const mutatedCall = fc.tuple(fc.constantFrom(...TEMPLATES), fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([t, ms]) => mutate(t, ms));

/** Raw HTTP: odd request lines, headers and framing, written straight to a socket. */
const framing = fc
  .tuple(
    fc.constantFrom('POST / HTTP/1.1', 'POST /RPC2 HTTP/1.0', 'GET / HTTP/1.1', 'PUT / HTTP/1.1', 'POST  HTTP/1.1', 'POST / HTTP/9.9', '\u0000\u0001', 'POST /' + 'a'.repeat(20_000) + ' HTTP/1.1'),
    fc.constantFrom('Content-Length: 10', 'Content-Length: -1', 'Content-Length: abc', 'Content-Length: 99999999999', 'Transfer-Encoding: chunked', 'Transfer-Encoding: chunked\r\nContent-Length: 5', 'Content-Length: 5\r\nContent-Length: 6', 'X: ' + 'h'.repeat(20_000), ''),
    fc.constantFrom('Content-Type: text/xml', 'Content-Type: application/json', ''),
    fc.oneof(fc.constant('zz\r\nabc\r\n0\r\n\r\n'), fc.constant('5\r\nabcde\r\n0\r\n\r\n'), fc.string({ maxLength: 30 }), fc.constant(TEMPLATES[3])),
  )
  .map(([line, h1, h2, body]) => `${line}\r\nHost: x\r\n${h1 ? `${h1}\r\n` : ''}${h2 ? `${h2}\r\n` : ''}\r\n${body}`);

/** Writes raw bytes and resolves with what came back before the server closed or went quiet (bounded). */
function rawExchange(port: number, bytes: string): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let text = '';
    let done = false;
    const finish = (closed: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      resolve({ text, closed });
    };
    // A request the server is still waiting on (e.g. a body shorter than its Content-Length) gets no answer: that is
    // the client's fault, not a hang of the node, so silence for 1.5 s ends the exchange too.
    const timer = setTimeout(() => finish(false), 1500);
    s.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (/^HTTP\/1\.[01] \d{3}/.test(text) && text.includes('\r\n\r\n')) finish(false);
    });
    s.on('close', () => finish(true));
    s.on('error', () => finish(true));
    s.end(bytes);
  });
}

// ------------------------------------------------------------------ test

describe('fuzz: random and mutated requests against a live cluster (issue 11)', function () {
  this.timeout(90_000);
  let dir: string;
  let cluster: LocalCluster;
  const clients = new Clients();
  const exits: string[] = [];
  const seed = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;
  const tally = { sent: 0, value: 0, fault: 0, http4xx: 0, closedOrSilent: 0 };

  before(async function () {
    ({ dir, cluster } = await startTestCluster('raft-fuzz-', NODES, {
      logLevel: 'error',
      onUnexpectedExit: (i, code, signal) => exits.push(`node ${i} exited (code ${code}, signal ${signal})`),
    }));
    await cluster.waitForLeader(20_000);
  });

  after(async function () {
    console.log(`      fuzz seed ${seed}: ${JSON.stringify(tally)}`);
    clients.closeAll();
    await cluster?.stop();
    if (dir && process.env.FUZZ_KEEP === undefined) rmSync(dir, { recursive: true, force: true });
    else console.log(`      kept ${dir}`);
  });

  async function post(node: number, body: string | Buffer): Promise<void> {
    tally.sent++;
    // A node that does not answer within 5 s counts as hung: the property fails with this request.
    const res = await rawPost(cluster.nodes[node].port, body, 5_000);
    if (res.status === 200) {
      expect(res.body, 'a 200 answer is an XML-RPC response').to.match(/<methodResponse>/);
      if (res.body.includes('<fault>')) tally.fault++;
      else tally.value++;
    } else {
      expect(res.status, res.body).to.be.within(400, 499);
      tally.http4xx++;
    }
    expect(exits).to.deep.equal([]);
  }

  it('answers every random XML-RPC call with a value or a fault, and stays up', async function () {
    await fc.assert(
      fc.asyncProperty(callXml, fc.nat(NODES - 1), async (body, node) => post(node, body)),
      { numRuns: XML_RUNS, seed, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false, endOnFailure: true },
    );
  });

  it('answers every mutated client call, and stays up', async function () {
    await fc.assert(
      fc.asyncProperty(mutatedCall, fc.nat(NODES - 1), async (body, node) => post(node, body)),
      { numRuns: XML_RUNS, seed: seed + 1, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false, endOnFailure: true },
    );
  });

  it('answers broken HTTP framing with a 4xx or a closed connection, and stays up', async function () {
    await fc.assert(
      fc.asyncProperty(framing, fc.nat(NODES - 1), async (bytes, node) => {
        tally.sent++;
        const r = await rawExchange(cluster.nodes[node].port, bytes);
        const status = /^HTTP\/1\.[01] (\d{3})/.exec(r.text);
        if (status !== null) {
          expect(Number(status[1])).to.be.oneOf([200, 400, 405, 413, 414, 415, 431, 501, 505]);
          if (status[1].startsWith('4')) tally.http4xx++;
          else tally.value++;
        } else tally.closedOrSilent++;
        expect(exits).to.deep.equal([]);
      }),
      { numRuns: FRAMING_RUNS, seed: seed + 2, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false, endOnFailure: true },
    );
  });

  it('afterwards the cluster still commits and every raftlog is identical', async function () {
    // A fuzzed `suspend` may have silenced a node for a while: writes go through whichever node leads meanwhile.
    const leader = await cluster.waitForLeader(30_000);
    for (let k = 0; k < 20; k++) {
      expect(await clients.call(cluster.endpoints[leader.index], 'addEntry', [`after-fuzz-${k}`, 'ok'], 15_000)).to.equal(true);
    }
    const target = (await cluster.status(leader.index))!.commitIndex;
    try {
      await waitUntil('identical raftlogs', 40_000, () => {
        const logs = cluster.nodes.map((n) => readRaftlog(n.dataDir));
        return logs[0].split('\n').length - 1 >= target && logs.every((l) => l === logs[0]) ? true : undefined;
      });
    } catch (err) {
      for (let i = 0; i < NODES; i++) {
        const lines = readRaftlog(cluster.nodes[i].dataDir).split('\n').length - 1;
        console.log(`      node ${i}: ${JSON.stringify(await cluster.status(i))}, raftlog ${lines} lines`);
      }
      throw err;
    }
    expect(exits).to.deep.equal([]);
    // No forged append got in: only the cluster's own history is there.
    expect(readRaftlog(cluster.nodes[0].dataDir)).to.not.include('"tid":"evil"');
    expect(tally.sent).to.be.greaterThan(100);
  });
});
