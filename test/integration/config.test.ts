// Cluster configuration rules the node program and the deploy scripts rely on (pure functions, no processes).
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseClusterConfig, resolveSelf, tickSettings } from '../../src/node/config.js';

describe('cluster configuration', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'raft-cfg-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const address = (content: string): string => {
    const f = join(dir, `address-${Math.random()}`);
    writeFileSync(f, content);
    return f;
  };

  it('fills in LAN defaults: 10 ms ticks, 50 ms heartbeat, 150 ms election timeout', () => {
    const cfg = parseClusterConfig('{"nodes":["10.0.0.1:8000","10.0.0.2:8000","10.0.0.3:8000"]}', 'c.json');
    expect(cfg).to.deep.include({ tickMs: 10, heartbeatMs: 50, electionTimeoutMs: 150 });
    expect(tickSettings(cfg)).to.deep.equal({ tickMs: 10, heartbeatTicks: 5, electionTicks: 15 });
  });

  it('converts WAN-sized timeouts to ticks', () => {
    const cfg = parseClusterConfig('{"nodes":["a:1"],"tickMs":20,"heartbeatMs":200,"electionTimeoutMs":2000}', 'c.json');
    expect(tickSettings(cfg)).to.deep.equal({ tickMs: 20, heartbeatTicks: 10, electionTicks: 100 });
  });

  it('rejects malformed files with a message naming the problem', () => {
    const bad: [string, RegExp][] = [
      ['nope', /not valid JSON/],
      ['[]', /JSON object/],
      ['{"nodes":["a"]}', /not HOST:PORT/],
      ['{"nodes":["a:70000"]}', /not HOST:PORT/],
      ['{"nodes":["a:1","a:1"]}', /listed twice/],
      ['{"nodes":["a:1"],"heartbeatMs":"50"}', /heartbeatMs/],
      ['{"nodes":["a:1"],"heartbeatMs":100,"electionTimeoutMs":150}', /at least twice/],
    ];
    for (const [text, msg] of bad) expect(() => parseClusterConfig(text, 'c.json'), text).to.throw(ConfigError, msg);
  });

  it('finds a node by HOST:PORT or by a host that is unique in the configuration', () => {
    const cfg = parseClusterConfig('{"nodes":["10.0.0.1:8000","10.0.0.2:8000","127.0.0.1:9000","127.0.0.1:9001"]}', 'c.json');
    expect(resolveSelf(cfg, { addressFile: address('10.0.0.2\n') })).to.equal('10.0.0.2:8000');
    expect(resolveSelf(cfg, { addressFile: address('127.0.0.1:9001\n') })).to.equal('127.0.0.1:9001');
    expect(resolveSelf(cfg, { id: '10.0.0.1:8000', addressFile: '/nonexistent' })).to.equal('10.0.0.1:8000');
    expect(() => resolveSelf(cfg, { addressFile: address('127.0.0.1') })).to.throw(ConfigError, /matches 2 nodes/);
    expect(() => resolveSelf(cfg, { addressFile: address('10.0.0.9') })).to.throw(ConfigError, /not in the cluster configuration/);
    expect(() => resolveSelf(cfg, { addressFile: join(dir, 'missing') })).to.throw(ConfigError, /cannot read address file/);
  });
});
