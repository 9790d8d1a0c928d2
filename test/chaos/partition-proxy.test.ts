// The chaos proxy on real sockets: it must forward XML-RPC faithfully, recognise the calling node from the request,
// and swallow calls (or replies) on cut links so that the caller times out, exactly as behind a dropping firewall.
import { expect } from 'chai';
import http from 'node:http';
import { CLIENT, PartitionProxy, senderOf } from '../../src/chaos/partition-proxy.js';
import { PartitionTable, splitLinks } from '../../src/chaos/partitions.js';
import { findFreePorts } from '../../src/node/ports.js';

function call(port: number, method: string, params: string[], timeoutMs: number): Promise<string> {
  const body =
    `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params>` +
    params.map((p) => `<param><value><string>${p}</string></value></param>`).join('') +
    '</params></methodCall>';
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: 'POST', path: '/RPC2', headers: { 'content-type': 'text/xml' }, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString()));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

describe('chaos: partition proxy', function () {
  this.timeout(20_000);
  let upstream: http.Server;
  let proxy: PartitionProxy;
  let port: number;
  const table = new PartitionTable();
  const seen: string[] = [];

  before(async () => {
    [port] = await findFreePorts(1);
    upstream = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push(Buffer.concat(chunks).toString());
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end('<?xml version="1.0"?><methodResponse><params><param><value><boolean>1</boolean></value></param></params></methodResponse>');
      });
    });
    await new Promise<void>((r) => upstream.listen(port, '127.0.0.2', () => r()));
    proxy = await PartitionProxy.start({ nodeId: `127.0.0.1:${port}`, targetHost: '127.0.0.2', targetPort: port, policy: table, blackholeMs: 5000 });
  });

  after(async () => {
    await proxy.close();
    upstream.closeAllConnections();
    await new Promise<void>((r) => upstream.close(() => r()));
  });

  it('reads the calling node from peer RPCs and treats everything else as a client', () => {
    const av = '<methodCall><methodName>appendEntriesRPC</methodName><params><param><value><int>3</int></value></param>' +
      '<param><value><string>127.0.0.1:9001</string></value></param></params></methodCall>';
    const rv = '<methodCall><methodName>requestVotesRPC</methodName><params><param><value><i4>3</i4></value></param>' +
      '<param><value>127.0.0.1:9002</value></param></params></methodCall>';
    expect(senderOf(av)).to.equal('127.0.0.1:9001');
    expect(senderOf(rv)).to.equal('127.0.0.1:9002');
    expect(senderOf('<methodCall><methodName>addEntry</methodName><params></params></methodCall>')).to.equal(CLIENT);
  });

  it('forwards calls on open links unchanged', async () => {
    const reply = await call(port, 'appendEntriesRPC', ['7', '127.0.0.1:1'], 3000);
    expect(reply).to.contain('<boolean>1</boolean>');
    expect(seen[seen.length - 1]).to.contain('<string>127.0.0.1:1</string>');
  });

  it('swallows calls from a cut-off node, and replies to a node the target cannot reach, until healed', async () => {
    const me = `127.0.0.1:${port}`;
    const healIn = table.cut([['127.0.0.1:1', me]]);
    const before = seen.length;
    await call(port, 'appendEntriesRPC', ['7', '127.0.0.1:1'], 500).then(
      () => expect.fail('a call on a cut link was answered'),
      (err: Error) => expect(err.message).to.equal('timeout'),
    );
    expect(seen.length, 'the request must not reach the node').to.equal(before);
    // Clients and other nodes still get through.
    expect(await call(port, 'addEntry', ['tid', 'data'], 3000)).to.contain('boolean');
    expect(await call(port, 'requestVotesRPC', ['7', '127.0.0.1:2'], 3000)).to.contain('boolean');
    healIn();

    const healOut = table.cut(splitLinks([me], ['127.0.0.1:3']).filter(([from]) => from === me));
    const seenBefore = seen.length;
    await call(port, 'requestVotesRPC', ['8', '127.0.0.1:3'], 500).then(
      () => expect.fail('a reply on a cut return link was delivered'),
      (err: Error) => expect(err.message).to.equal('timeout'),
    );
    expect(seen.length, 'one-way cut: the request still reaches the node').to.equal(seenBefore + 1);
    healOut();
    expect(await call(port, 'requestVotesRPC', ['8', '127.0.0.1:3'], 3000)).to.contain('boolean');
    expect(proxy.stats.requestsSwallowed).to.equal(1);
    expect(proxy.stats.repliesSwallowed).to.equal(1);
  });
});
