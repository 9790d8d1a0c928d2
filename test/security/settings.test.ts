// The cluster configuration's "security" section: absent means the local cluster's defaults; anything malformed is
// one ConfigError line naming the key.
import { expect } from 'chai';
import { ConfigError, parseClusterConfig } from '../../src/protocol/cluster-config.js';

const cfg = (security: unknown): string => JSON.stringify({ nodes: ['127.0.0.1:8000'], security });

describe('cluster configuration: security', () => {
  it('defaults to no TLS and open clients, and reads what deploy writes', () => {
    expect(parseClusterConfig(JSON.stringify({ nodes: ['127.0.0.1:8000'] }), 'c.json').security).to.deep.equal({ tls: false, clientAuth: false });
    expect(parseClusterConfig(cfg({ tls: true, clientAuth: true }), 'c.json').security).to.deep.equal({ tls: true, clientAuth: true });
    expect(parseClusterConfig(cfg({ clientAuth: true }), 'c.json').security).to.deep.equal({ tls: false, clientAuth: true });
    expect(parseClusterConfig(cfg({ tls: true, clientAuth: true, peerTls: true }), 'c.json').security).to.deep.equal({ tls: true, clientAuth: true, peerTls: true });
  });

  it('refuses malformed sections with one line naming the key', () => {
    expect(() => parseClusterConfig(cfg('on'), 'c.json')).to.throw(ConfigError, /c\.json: "security" must be an object/);
    expect(() => parseClusterConfig(cfg({ tls: 'yes' }), 'c.json')).to.throw(ConfigError, /"security\.tls" must be true or false, got "yes"/);
    expect(() => parseClusterConfig(cfg({ insecure: true }), 'c.json')).to.throw(ConfigError, /unknown key "security\.insecure"/);
  });
});
