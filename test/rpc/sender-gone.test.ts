// The server's early sign that a caller died: once every connection tagged with a sender was closed from the other
// end, onSenderGone fires (a node uses it to notice a kill -9'd leader without waiting out an election timeout).
// It must fire for a killed process, and must not fire while the sender still holds a connection or when the server
// itself dropped the connections (suspend).
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { RpcClient } from '../../src/rpc/client.js';
import { startRpcServer, type RpcServer } from '../../src/rpc/server.js';
import { silentLogger } from '../../src/util/logger.js';
import { setTimeout as sleep } from 'node:timers/promises';

async function within<T>(what: string, ms: number, check: () => T | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}


describe('rpc server: sender gone (every tagged connection closed by the other end)', function () {
  let server: RpcServer;
  let gone: string[] = [];

  beforeEach(async () => {
    gone = [];
    server = await startRpcServer({
      host: '127.0.0.1',
      port: 0,
      maxBodyBytes: 64 * 1024,
      logger: silentLogger,
      handlers: {
        // hello(sender[, holdMs]): tags the connection, optionally holding it busy so parallel calls use more sockets.
        hello: async (params, call) => {
          call.tagSender(String(params[0]));
          if (typeof params[1] === 'number') await sleep(params[1]);
          return true;
        },
      },
      onSenderGone: (s) => gone.push(s),
    });
  });

  afterEach(async () => {
    await server.close();
  });

  it('fires once when the last connection of a sender closes, not while another one is open', async () => {
    const a = new RpcClient('127.0.0.1', server.port);
    const b = new RpcClient('127.0.0.1', server.port);
    await Promise.all([a.call('hello', ['leader-1', 30]), a.call('hello', ['leader-1', 30]), b.call('hello', ['leader-1'])]);
    expect(server.stats().open).to.equal(3);
    a.close();
    await within('a\'s sockets to close', 5000, () => (server.stats().open === 1 ? true : undefined));
    await sleep(50);
    expect(gone).to.deep.equal([]);
    b.close();
    await within('the sender-gone call', 5000, () => (gone.length > 0 ? true : undefined));
    expect(gone).to.deep.equal(['leader-1']);
  });

  it('fires when the sender\'s process is killed with SIGKILL', async function () {
    this.timeout(20_000);
    // A child process that keeps two keep-alive connections open, tagged "victim", and then just waits.
    const script = `
      const http = require('node:http');
      const agent = new http.Agent({ keepAlive: true });
      const body = '<?xml version="1.0"?><methodCall><methodName>hello</methodName><params>' +
        '<param><value><string>victim</string></value></param><param><value><int>30</int></value></param></params></methodCall>';
      let done = 0;
      for (let i = 0; i < 2; i++) {
        const req = http.request({ host: '127.0.0.1', port: ${server.port}, method: 'POST', path: '/', agent,
          headers: { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
          res.resume();
          res.on('end', () => { if (++done === 2) console.log('TAGGED'); });
        });
        req.end(body);
      }
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          if (d.toString().includes('TAGGED')) resolve();
        });
        child.on('exit', () => reject(new Error('child exited early')));
      });
      expect(gone).to.deep.equal([]);
      child.kill('SIGKILL');
      await within('the sender-gone call', 5000, () => (gone.length > 0 ? true : undefined));
      expect(gone).to.deep.equal(['victim']);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('stays silent when the server drops the connections itself (paused), and for untagged connections', async () => {
    const tagged = new RpcClient('127.0.0.1', server.port);
    const untagged = new RpcClient('127.0.0.1', server.port);
    await tagged.call('hello', ['leader-2']);
    await untagged.call('nothing', []).catch(() => undefined);
    server.setPaused(true);
    await within('every socket to close', 5000, () => (server.stats().open === 0 ? true : undefined));
    server.setPaused(false);
    untagged.close();
    tagged.close();
    await sleep(100);
    expect(gone).to.deep.equal([]);
  });
});
