// The XML-RPC server and client against each other on loopback: values, faults, limits, pause, timeouts, keep-alive.
import { expect } from 'chai';
import net from 'node:net';
import { RpcClient, RpcConnectionError, RpcFaultError, RpcProtocolError, RpcTimeoutError } from '../../src/rpc/client.js';
import { decodeAppendRequest } from '../../src/rpc/codec.js';
import { FaultCode, RpcFault, type RpcServer } from '../../src/rpc/server.js';
import type { XmlRpcValue } from '../../src/rpc/values.js';
import { rawRequest, startTestServer, xmlHeaders } from './helpers.js';

async function expectRejects<E extends Error>(p: Promise<unknown>, type: new (...a: never[]) => E): Promise<E> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(type);
    return err as E;
  }
  throw new Error(`expected a ${type.name}`);
}

describe('rpc server and client', function () {
  let server: RpcServer;
  let client: RpcClient;
  let neverAnswer: Array<() => void> = [];

  before(async () => {
    server = await startTestServer({
      echo: async (params) => params,
      first: async (params) => params[0] ?? '',
      append: async (params) => {
        decodeAppendRequest(params, 'me:1');
        return true;
      },
      myFault: async () => {
        throw new RpcFault(421, 'not the leader; try 127.0.0.1:9');
      },
      crash: async () => {
        throw new TypeError('handler bug');
      },
      hang: () => new Promise<XmlRpcValue>((resolve) => neverAnswer.push(() => resolve(true))),
    });
    client = new RpcClient('127.0.0.1', server.port, { timeoutMs: 5000 });
  });

  after(async () => {
    for (const release of neverAnswer) release();
    neverAnswer = [];
    client.close();
    await server.close();
  });

  it('round-trips every XML-RPC type', async () => {
    const values: XmlRpcValue[] = [
      'plain', '', 'markup <a href="x">&amp;</a> ]]> end', 'line\r\nbreaks\tand tabs', 'ünïcødé ✓ 𝄞',
      0, 42, -7, 2147483647, 1.5, -0.25, true, false,
      new Date('2026-11-23T04:05:06Z'), Buffer.from([0, 1, 2, 250, 255]),
      [], [1, 'two', [3]], {}, { a: 1, nested: { list: [true, 'x'], empty: {} } },
    ];
    expect(await client.call('echo', values)).to.deep.equal(values);
    expect(await client.call('first', [])).to.equal('');
  });

  it('answers an unknown method with a fault naming it', async () => {
    const err = await expectRejects(client.call('noSuchMethod', [1]), RpcFaultError);
    expect(err.code).to.equal(FaultCode.unknownMethod);
    expect(err.message).to.contain("unknown method 'noSuchMethod'");
  });

  it('answers wrong arity and wrong types with a fault naming the parameter', async () => {
    const arity = await expectRejects(client.call('append', [1, 'x']), RpcFaultError);
    expect(arity.code).to.equal(FaultCode.invalidParams);
    expect(arity.message).to.contain('appendEntriesRPC takes (term:int').and.contain('got 2 parameter(s)');
    const type = await expectRejects(client.call('append', [1, 'leader:1', 'three', 0, [], 0]), RpcFaultError);
    expect(type.message).to.contain('appendEntriesRPC: param 3 (prevLogIndex) must be int, got string');
    const entry = await expectRejects(client.call('append', [1, 'l:1', 0, 0, [{ index: 1, term: 1, type: 'add', tid: 't', data: 5, key: '' }], 0]), RpcFaultError);
    expect(entry.message).to.contain('param 5 (entries[0]).data must be string, got int');
  });

  it('passes on a handler\'s own fault, and turns a crashing handler into a fault', async () => {
    const own = await expectRejects(client.call('myFault', []), RpcFaultError);
    expect([own.code, own.faultString]).to.deep.equal([421, 'not the leader; try 127.0.0.1:9']);
    const crash = await expectRejects(client.call('crash', []), RpcFaultError);
    expect(crash.code).to.equal(FaultCode.internalError);
    expect(crash.message).to.contain('crash: internal error: handler bug');
    expect(await client.call('first', ['still serving'])).to.equal('still serving');
  });

  it('answers malformed XML with a parse-error fault', async () => {
    for (const body of ['<methodCall><methodName>echo</methodName><params><param>', 'not xml', '<a></a>', '']) {
      const reply = await rawRequest(server.port, { headers: xmlHeaders, body });
      expect(reply.status, body).to.equal(200);
      expect(reply.body, body).to.contain('<fault>').and.contain(String(FaultCode.parseError));
    }
  });

  it('answers GET and non-XML bodies with HTTP 4xx', async () => {
    const get = await rawRequest(server.port, { method: 'GET', path: '/RPC2' });
    expect(get.status).to.equal(405);
    const json = await rawRequest(server.port, { headers: { 'Content-Type': 'application/json' }, body: '{"method":"echo"}' });
    expect(json.status).to.equal(415);
  });

  it('refuses an oversize body with HTTP 413 (declared or streamed) and keeps serving', async () => {
    const big = `<?xml version="1.0"?><methodCall><methodName>first</methodName><params><param><value><string>${'x'.repeat(200_000)}</string></value></param></params></methodCall>`;
    const declared = await rawRequest(server.port, { headers: xmlHeaders, body: big });
    expect(declared.status).to.equal(413);
    const viaClient = await expectRejects(client.call('first', ['y'.repeat(200_000)]), RpcProtocolError);
    expect(viaClient.message).to.contain('HTTP 413');
    // Chunked (no Content-Length): the limit is enforced while reading.
    const chunked = await rawRequest(server.port, { headers: { ...xmlHeaders, 'Transfer-Encoding': 'chunked' }, body: big }).catch(
      (e: Error) => ({ status: -1, body: e.message }),
    );
    expect([413, -1]).to.include(chunked.status);
    expect(await client.call('first', ['after'])).to.equal('after');
  });

  it('serves any request path', async () => {
    const other = new RpcClient('127.0.0.1', server.port, { path: '/some/where' });
    try {
      expect(await other.call('first', ['p'])).to.equal('p');
    } finally {
      other.close();
    }
  });

  it('holds no conversation while paused, and serves again after unpause', async () => {
    const paused = new RpcClient('127.0.0.1', server.port, { timeoutMs: 15_000 });
    try {
      expect(await paused.call('first', ['warm'])).to.equal('warm'); // an idle pooled connection exists now
      server.setPaused(true);
      // Connections are destroyed without a reply, so the caller learns at once (no waiting out its timeout),
      // both on the pooled connection and on new ones.
      for (let i = 0; i < 3; i++) await expectRejects(paused.call('first', ['x']), RpcConnectionError);
      server.setPaused(false);
      expect(await paused.call('first', ['back'])).to.equal('back');
    } finally {
      server.setPaused(false);
      paused.close();
    }
  });

  it('times out a call the server never answers (handler that never settles, and a silent TCP peer)', async () => {
    const err = await expectRejects(client.call('hang', [], 300), RpcTimeoutError);
    expect(err.message).to.contain('within 300ms');
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    const c = new RpcClient('127.0.0.1', port, { timeoutMs: 300 });
    try {
      await expectRejects(c.call('anything', []), RpcTimeoutError);
    } finally {
      c.close();
      silent.close();
    }
  });

  it('refuses an answer larger than maxResponseBytes, and the next call on the same client is served', async () => {
    const c = new RpcClient('127.0.0.1', server.port, { timeoutMs: 5000, maxResponseBytes: 20_000 });
    try {
      const err = await expectRejects(c.call('first', ['x'.repeat(50_000)]), RpcProtocolError);
      expect(err.message).to.contain('larger than 20000 bytes');
      expect(await c.call('first', ['small'])).to.equal('small');
    } finally {
      c.close();
    }
  });

  it('reports a refused connection as RpcConnectionError', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const c = new RpcClient('127.0.0.1', port, { timeoutMs: 2000 });
    try {
      await expectRejects(c.call('x', []), RpcConnectionError);
    } finally {
      c.close();
    }
  });

  it('reuses keep-alive connections: 500 calls, 16 in flight, open a bounded number of sockets', async () => {
    const before = server.stats().accepted;
    const c = new RpcClient('127.0.0.1', server.port, { timeoutMs: 10_000, maxSockets: 8 });
    try {
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < 500) {
            const i = next++;
            expect(await c.call('first', [i])).to.equal(i);
          }
        }),
      );
    } finally {
      c.close();
    }
    expect(server.stats().accepted - before).to.be.at.most(8);
  });

  it('close() resolves while clients hold idle keep-alive connections', async () => {
    const s = await startTestServer({ ping: async () => 'pong' });
    const c = new RpcClient('127.0.0.1', s.port);
    expect(await c.call('ping', [])).to.equal('pong');
    expect(s.stats().open).to.equal(1);
    await s.close();
    await expectRejects(c.call('ping', []), RpcConnectionError);
    c.close();
  });
});
