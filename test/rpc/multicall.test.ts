// system.multicall on a real RpcServer over loopback: each call inside is served and answered on its own (value or
// fault), only the allowed methods may travel inside, the envelope is bounded; and a batching RpcClient, which sends
// the calls made in one turn of the event loop as one such request, gives each caller exactly what it would have got alone.
import { expect } from 'chai';
import { RpcClient, RpcConnectionError, RpcFaultError } from '../../src/rpc/client.js';
import { MAX_BATCH_CALLS, MULTICALL } from '../../src/rpc/multicall.js';
import { RpcFault, startRpcServer, type RpcHandler, type RpcServer } from '../../src/rpc/server.js';
import type { XmlRpcValue } from '../../src/rpc/values.js';
import { silentLogger } from '../../src/util/logger.js';
import { FAULT } from '../../src/protocol/faults.js';

const BATCHABLE = new Set(['addEntry', 'getVal']);

describe('system.multicall and the client batcher (real server on loopback)', function () {
  this.timeout(20_000);
  let server: RpcServer;
  let plain: RpcServer;
  let served: string[];
  let held: Array<() => void>;

  const handlers: Record<string, RpcHandler> = {
    addEntry: async ([tid]) => {
      if (tid === 'refuse') throw new RpcFault(FAULT.badParams, 'addEntry: tid refused');
      if (tid === 'hold') await new Promise<void>((r) => held.push(r));
      served.push(`add:${String(tid)}`);
      return true;
    },
    getVal: async ([key]) => {
      served.push(`get:${String(key)}`);
      return `value of ${String(key)}`;
    },
    suspend: async () => {
      served.push('suspend');
      return true;
    },
  };

  beforeEach(async () => {
    served = [];
    held = [];
    server = await startRpcServer({
      host: '127.0.0.1', port: 0, maxBodyBytes: 4 << 20, logger: silentLogger, handlers,
      multicall: { methods: BATCHABLE, maxCalls: MAX_BATCH_CALLS },
      // Forbids one tid, as a node's authorizer forbids a member speaking for another: checked per call inside.
      auth: {
        authenticate: () => ({ principal: 'client' }),
        authorize: (_req, _who, method, params) => (method === 'getVal' && params[0] === 'secret' ? new RpcFault(FAULT.forbidden, 'getVal: secret') : null),
      },
    });
    // A server that knows nothing of system.multicall (an older node).
    plain = await startRpcServer({ host: '127.0.0.1', port: 0, maxBodyBytes: 1 << 20, logger: silentLogger, handlers });
  });
  afterEach(async () => {
    for (const r of held) r();
    await Promise.all([server.close(), plain.close()]);
  });

  const call = async (port: number, params: XmlRpcValue[]): Promise<XmlRpcValue> => {
    const c = new RpcClient('127.0.0.1', port, { timeoutMs: 5000 });
    try {
      return await c.call(MULTICALL, params);
    } finally {
      c.close();
    }
  };
  const fault = (code: number, pattern: RegExp) => (v: XmlRpcValue): boolean =>
    typeof v === 'object' && !Array.isArray(v) && (v as { faultCode: number }).faultCode === code && pattern.test(String((v as { faultString: string }).faultString));

  it('answers each call on its own: values, a handler\'s fault, a refused method, an authorizer\'s refusal, malformed entries', async () => {
    const answer = await call(server.port, [[
      { methodName: 'addEntry', params: ['a', 'x'] },
      { methodName: 'addEntry', params: ['refuse', 'x'] },
      { methodName: 'suspend', params: [5] },
      { methodName: 'getVal', params: ['k'] },
      { methodName: 'getVal', params: ['secret'] },
      { methodName: MULTICALL, params: [[{ methodName: 'addEntry', params: ['nested', 'x'] }]] },
      'not a struct',
      { methodName: 'addEntry', params: 'not an array' },
      { methodName: 'addEntry', params: ['b', 'y'] },
    ]]);
    expect(answer).to.be.an('array').with.length(9);
    const a = answer as XmlRpcValue[];
    expect(a[0]).to.deep.equal([true]);
    expect(fault(FAULT.badParams, /tid refused/)(a[1]), JSON.stringify(a[1])).to.equal(true);
    expect(fault(FAULT.invalidRequest, /"suspend" cannot be batched/)(a[2]), JSON.stringify(a[2])).to.equal(true);
    expect(a[3]).to.deep.equal(['value of k']);
    expect(fault(FAULT.forbidden, /secret/)(a[4]), JSON.stringify(a[4])).to.equal(true);
    expect(fault(FAULT.invalidRequest, /system\.multicall" cannot be batched/)(a[5]), JSON.stringify(a[5])).to.equal(true);
    expect(fault(FAULT.badParams, /call 7 must be a \{methodName, params\} struct, got string/)(a[6]), JSON.stringify(a[6])).to.equal(true);
    expect(fault(FAULT.badParams, /call 8: params must be an array/)(a[7]), JSON.stringify(a[7])).to.equal(true);
    expect(a[8]).to.deep.equal([true]);
    // Refused calls never reached a handler.
    expect(served.sort()).to.deep.equal(['add:a', 'add:b', 'get:k']);
  });

  it('refuses a wrong envelope or too many calls whole, serving none', async () => {
    const code = async (params: XmlRpcValue[]): Promise<number | string> => call(server.port, params).then(() => 'answered', (e) => (e instanceof RpcFaultError ? e.code : String(e)));
    expect(await code([])).to.equal(FAULT.badParams);
    expect(await code(['x'])).to.equal(FAULT.badParams);
    expect(await code([[], []])).to.equal(FAULT.badParams);
    const many = Array.from({ length: MAX_BATCH_CALLS + 1 }, (_, i) => ({ methodName: 'addEntry', params: [`m${i}`, 'x'] }));
    expect(await code([many])).to.equal(FAULT.badParams);
    expect(served).to.deep.equal([]);
    // Without the option, the method does not exist.
    expect(await call(plain.port, [[]]).then(() => 'answered', (e) => (e as RpcFaultError).code)).to.equal(FAULT.unknownMethod);
  });

  it('counts every call inside against the cap on client calls in flight', async () => {
    const capped = await startRpcServer({
      host: '127.0.0.1', port: 0, maxBodyBytes: 1 << 20, logger: silentLogger, handlers,
      multicall: { methods: BATCHABLE, maxCalls: MAX_BATCH_CALLS }, maxClientCallsInFlight: 4,
    });
    try {
      const answer = call(capped.port, [Array.from({ length: 6 }, () => ({ methodName: 'addEntry', params: ['hold', 'x'] }))]);
      // Four are held by the handler (the cap); the other two are shed with "overloaded" and wait for nothing.
      while (held.length < 4) await new Promise((r) => setTimeout(r, 5));
      for (const r of held) r();
      const a = (await answer) as XmlRpcValue[];
      expect(a.filter((x) => Array.isArray(x))).to.have.length(4);
      expect(a.filter(fault(FAULT.unavailable, /overloaded/))).to.have.length(2);
    } finally {
      await capped.close();
    }
  });

  it('sends the calls of one turn as one request, each caller getting its own answer or fault', async () => {
    const rpc = new RpcClient('127.0.0.1', server.port, { timeoutMs: 5000, batch: BATCHABLE });
    try {
      const before = server.stats().requests;
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => rpc.call('addEntry', [i % 10 === 3 ? 'refuse' : `w${i}`, 'x'], 5000).then((v) => v, (e: unknown) => e)),
      );
      expect(server.stats().requests - before, 'HTTP requests for 40 calls').to.equal(1);
      results.forEach((r, i) => {
        if (i % 10 === 3) expect(r).to.be.instanceOf(RpcFaultError).and.to.include({ code: FAULT.badParams });
        else expect(r, `call ${i}`).to.equal(true);
      });
      expect(served).to.have.length(36);
      // A lone call goes as itself; a large one goes alone even among others.
      const lone = server.stats().requests;
      expect(await rpc.call('getVal', ['solo'], 5000)).to.equal('value of solo');
      const big = 'z'.repeat(20_000);
      await Promise.all([rpc.call('addEntry', ['big1', big], 5000), rpc.call('addEntry', ['big2', big], 5000), rpc.call('addEntry', ['small', 'x'], 5000)]);
      expect(server.stats().requests - lone).to.equal(1 + 3);
    } finally {
      rpc.close();
    }
  });

  it('falls back to one request per call against a server without system.multicall', async () => {
    const rpc = new RpcClient('127.0.0.1', plain.port, { timeoutMs: 5000, batch: BATCHABLE });
    try {
      const first = await Promise.all(Array.from({ length: 5 }, (_, i) => rpc.call('addEntry', [`p${i}`, 'x'], 5000)));
      expect(first).to.deep.equal([true, true, true, true, true]);
      const before = plain.stats().requests;
      await Promise.all(Array.from({ length: 5 }, (_, i) => rpc.call('addEntry', [`q${i}`, 'x'], 5000)));
      expect(plain.stats().requests - before, 'no batch tried again').to.equal(5);
      expect(served.filter((s) => s.startsWith('add:'))).to.have.length(10);
    } finally {
      rpc.close();
    }
  });

  it('fails every caller of a batch when the request itself fails', async () => {
    const rpc = new RpcClient('127.0.0.1', server.port, { timeoutMs: 5000, batch: BATCHABLE });
    server.setPaused(true);
    try {
      const results = await Promise.all(Array.from({ length: 3 }, (_, i) => rpc.call('addEntry', [`gone${i}`, 'x'], 2000).then(() => 'answered', (e: unknown) => e)));
      for (const r of results) expect(r).to.be.instanceOf(RpcConnectionError);
      expect(served).to.deep.equal([]);
    } finally {
      server.setPaused(false);
      rpc.close();
    }
  });
});
