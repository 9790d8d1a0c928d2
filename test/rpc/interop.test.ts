// Other XML-RPC implementations talk to ours: the npm xmlrpc package's client and server, and Python's xmlrpc.client.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import xmlrpc from 'xmlrpc';
import { RpcClient, RpcFaultError } from '../../src/rpc/client.js';
import type { RpcServer } from '../../src/rpc/server.js';
import { RpcFault } from '../../src/rpc/server.js';
import type { XmlRpcValue } from '../../src/rpc/values.js';
import { startTestServer } from './helpers.js';

const run = promisify(execFile);

const SAMPLE: XmlRpcValue[] = ['text <&> ]]>', '', 12, -3, 2.5, true, false, [1, ['nested']], { term: 3, entries: [{ index: 1, data: 'x' }] }];

function packageCall(client: xmlrpc.Client, method: string, params: unknown[]): Promise<unknown> {
  return new Promise((resolve, reject) => client.methodCall(method, params, (err: unknown, v: unknown) => (err ? reject(err) : resolve(v))));
}

async function hasPython(): Promise<boolean> {
  try {
    await run('python3', ['-c', 'import xmlrpc.client']);
    return true;
  } catch {
    return false;
  }
}

describe('rpc interoperability', function () {
  let server: RpcServer;

  before(async () => {
    server = await startTestServer({
      echo: async (params) => params,
      requestVotesRPC: async (params) => ({ term: params[0] ?? 0, voteGranted: true }),
      refuse: async () => {
        throw new RpcFault(421, 'not leader');
      },
    });
  });
  after(() => server.close());

  it("the xmlrpc package's client calls our server (values and faults)", async () => {
    const c = xmlrpc.createClient({ host: '127.0.0.1', port: server.port, path: '/RPC2' });
    expect(await packageCall(c, 'echo', SAMPLE)).to.deep.equal(SAMPLE);
    expect(await packageCall(c, 'requestVotesRPC', [5, 'a:1', 0, 0])).to.deep.equal({ term: 5, voteGranted: true });
    const err = (await packageCall(c, 'refuse', []).catch((e: unknown) => e)) as { faultCode?: number; faultString?: string };
    expect([err.faultCode, err.faultString]).to.deep.equal([421, 'not leader']);
    const unknown = (await packageCall(c, 'nope', []).catch((e: unknown) => e)) as { faultString?: string };
    expect(unknown.faultString).to.contain("unknown method 'nope'");
  });

  it("our client calls the xmlrpc package's server", async () => {
    const pkgServer = xmlrpc.createServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => pkgServer.httpServer.once('listening', () => r()));
    pkgServer.on('echo', (_err: unknown, params: unknown[], cb: (e: unknown, v: unknown) => void) => cb(null, params));
    pkgServer.on('refuse', (_err: unknown, _p: unknown[], cb: (e: unknown, v?: unknown) => void) => cb({ faultCode: 7, faultString: 'no' }));
    const port = (pkgServer.httpServer.address() as { port: number }).port;
    const c = new RpcClient('127.0.0.1', port, { timeoutMs: 5000 });
    try {
      expect(await c.call('echo', SAMPLE)).to.deep.equal(SAMPLE);
      const err = await c.call('refuse', []).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(RpcFaultError);
      expect((err as RpcFaultError).code).to.equal(7);
    } finally {
      c.close();
      pkgServer.httpServer.closeAllConnections();
      await new Promise<void>((r) => pkgServer.httpServer.close(() => r()));
    }
  });

  it("Python's xmlrpc.client calls our server (values, faults, unknown method)", async function () {
    if (!(await hasPython())) this.skip(); // python3 with xmlrpc.client is not installed here
    const script = `
import sys, json, xmlrpc.client
p = xmlrpc.client.ServerProxy(sys.argv[1])
out = {}
out["echo"] = p.echo("text <&> ]]>", "", 12, -3, 2.5, True, [1, ["nested"]], {"term": 3})
out["vote"] = p.requestVotesRPC(5, "a:1", 0, 0)
for name, call in [("refuse", lambda: p.refuse()), ("nope", lambda: p.nope()), ("badxml", None)]:
    if call is None: continue
    try:
        call(); out[name] = None
    except xmlrpc.client.Fault as f:
        out[name] = [f.faultCode, f.faultString]
print(json.dumps(out))
`;
    const { stdout } = await run('python3', ['-c', script, `http://127.0.0.1:${server.port}/RPC2`], { timeout: 20_000 });
    const out = JSON.parse(stdout) as Record<string, unknown>;
    expect(out.echo).to.deep.equal(['text <&> ]]>', '', 12, -3, 2.5, true, [1, ['nested']], { term: 3 }]);
    expect(out.vote).to.deep.equal({ term: 5, voteGranted: true });
    expect(out.refuse).to.deep.equal([421, 'not leader']);
    expect((out.nope as [number, string])[1]).to.contain("unknown method 'nope'");
  });
});
