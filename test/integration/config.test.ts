// Cluster configuration rules the node program and the deploy scripts rely on (pure functions, no processes).
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterWarnings, ConfigError, parseClusterConfig, tickSettings } from '../../src/protocol/cluster-config.js';
import { resolveSelf } from '../../src/node/config.js';
import { nearestKey } from '../../src/util/nearest-key.js';
import { joinHostPort, splitHostPort } from '../../src/util/host-port.js';

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

  it('refuses an unknown key in one line, naming it and the key it probably meant', () => {
    const msg = (text: string): string => {
      try {
        parseClusterConfig(text, 'c.json');
      } catch (err) {
        expect(err).to.be.instanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error(`accepted: ${text}`);
    };
    expect(msg('{"nodes":["a:1"],"electionTimeout":300}')).to.equal('c.json: unknown key "electionTimeout"; did you mean "electionTimeoutMs"?');
    expect(msg('{"nodes":["a:1"],"HeartbeatMS":40}')).to.match(/unknown key "HeartbeatMS"; did you mean "heartbeatMs"\?/);
    expect(msg('{"node":["a:1"]}')).to.match(/unknown key "node"; did you mean "nodes"\?/);
    // Nothing near: list what is known instead of guessing.
    const far = msg('{"nodes":["a:1"],"replicationFactor":3}');
    expect(far).to.match(/unknown key "replicationFactor"; known keys: nodes, initialVoters, tickMs, heartbeatMs, electionTimeoutMs, dedupWindow, security, readMode, clockDrift$/);
    // A hostile key stays on one line.
    expect(msg('{"nodes":["a:1"],"x\\n\\u0001y":1}')).to.not.match(/[\n\u0001]/);
    expect(nearestKey('tickms', ['tickMs', 'nodes'])).to.equal('tickMs');
    expect(nearestKey('zzzzzzzzzz', ['tickMs', 'nodes'])).to.equal(null);
  });

  it('warns about even-sized clusters (no fault tolerance over one node fewer) and not about odd ones', () => {
    const cfg = (n: number) => parseClusterConfig(JSON.stringify({ nodes: Array.from({ length: n }, (_, i) => `h${i}:1`) }), 'c.json');
    expect(clusterWarnings(cfg(1))).to.deep.equal([]);
    expect(clusterWarnings(cfg(3))).to.deep.equal([]);
    expect(clusterWarnings(cfg(5))).to.deep.equal([]);
    expect(clusterWarnings(cfg(2))).to.deep.equal(['an even-sized cluster (2 nodes) tolerates 0 failures, no more than 1 node would; use an odd number of nodes']);
    expect(clusterWarnings(cfg(4))[0]).to.match(/^an even-sized cluster \(4 nodes\) tolerates 1 failure, no more than 3 nodes would/);
  });

  it('reads IPv6 literals in brackets, keeps the id string, and refuses them without brackets', () => {
    const cfg = parseClusterConfig('{"nodes":["[::1]:8000","[::1]:8001","[fd00::2]:8000"]}', 'c.json');
    expect(cfg.nodes).to.deep.equal(['[::1]:8000', '[::1]:8001', '[fd00::2]:8000']);
    expect(splitHostPort('[::1]:8000')).to.deep.equal({ host: '::1', port: 8000 });
    expect(joinHostPort('::1', 8000)).to.equal('[::1]:8000');
    expect(joinHostPort('10.0.0.1', 8000)).to.equal('10.0.0.1:8000');
    expect(resolveSelf(cfg, { addressFile: address('[::1]:8001\n') })).to.equal('[::1]:8001');
    expect(resolveSelf(cfg, { addressFile: address('fd00::2') })).to.equal('[fd00::2]:8000');
    expect(resolveSelf(cfg, { addressFile: address('[fd00::2]') })).to.equal('[fd00::2]:8000');
    const bad: [string, RegExp][] = [
      ['{"nodes":["::1:8000"]}', /"::1:8000" is not HOST:PORT \(write an IPv6 address in brackets: \[::1\]:8000\)/],
      ['{"nodes":["[::1]"]}', /not HOST:PORT/],
      ['{"nodes":["[nothost]:80"]}', /brackets must hold an IPv6 address/],
      ['{"nodes":["[::1:80"]}', /brackets must hold an IPv6 address/],
      ['{"nodes":["a:1e3"]}', /port must be 1\.\.65535/],
      ['{"nodes":["a:+80"]}', /port must be 1\.\.65535/],
      ['{"nodes":["a b:80"]}', /the host may hold only/],
      ['{"nodes":[":80"]}', /no host/],
    ];
    for (const [text, re] of bad) expect(() => parseClusterConfig(text, 'c.json'), text).to.throw(ConfigError, re);
  });
});
