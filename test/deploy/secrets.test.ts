// deploy:secrets on the deploying machine: a CA, per host a key and a certificate naming that host, pairwise peer
// keys, admin and client tokens, in a private folder beside the inventory; each host's folder (what gets uploaded to
// it) holds only that host's own secrets. Nothing secret is printed.
import { expect } from 'chai';
import crypto, { X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseInventory, type Inventory } from '../../deploy/inventory.js';
import { ensureDeploySecrets, hostSecretFiles } from '../../deploy/secrets.js';
import { loadNodeSecrets } from '../../src/security/node-secrets.js';
import { deploy } from './helpers.js';

const host = (name: string, node: string): Record<string, unknown> => ({ name, node, dir: `/srv/${name}`, ssh: { host: node.split(':')[0], user: 'u' } });
const INVENTORY = { hosts: [host('h1', '10.77.0.2:8000'), host('h2', '10.77.0.3:8000'), host('h3', 'node-c.example:8000')] };

describe('deploy:secrets', function () {
  this.timeout(60_000);
  let dir: string;
  let inv: Inventory;
  let secrets: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'deploy-secrets-'));
    writeFileSync(path.join(dir, 'inventory.json'), JSON.stringify(INVENTORY));
    inv = parseInventory(INVENTORY);
    secrets = path.join(dir, 'secrets');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('makes them through the CLI without printing any of them, and reuses them the second time', async () => {
    const first = await deploy('secrets', [], dir);
    expect(first.code, first.out).to.equal(0);
    expect(first.out).to.match(/made secrets for 3 nodes in .*secrets/);
    const token = readFileSync(path.join(secrets, 'admin.token'), 'utf8').trim();
    const clientToken = readFileSync(path.join(secrets, 'client.token'), 'utf8').trim();
    expect(token).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(first.out).to.not.contain(token).and.not.contain(clientToken);
    const second = await deploy('secrets', [], dir);
    expect(second.out).to.match(/reusing secrets for 3 nodes/);
    expect(readFileSync(path.join(secrets, 'admin.token'), 'utf8').trim()).to.equal(token);
  });

  it('keeps every file private: folders 0700, files 0600', () => {
    const walk = (d: string): void => {
      expect(statSync(d).mode & 0o777, d).to.equal(0o700);
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else expect(statSync(p).mode & 0o777, p).to.equal(0o600);
      }
    };
    walk(secrets);
  });

  it('gives each host only its own secrets: its keys with each peer, its certificate, the CA certificate', () => {
    const members = inv.hosts.map((h) => h.node);
    const ca = new X509Certificate(readFileSync(path.join(secrets, 'ca.pem')));
    const all = inv.hosts.map((h) => loadNodeSecrets(path.join(secrets, 'nodes', h.name), h.node, members, true));
    for (const [i, h] of inv.hosts.entries()) {
      const files = hostSecretFiles(secrets, h);
      expect(files.map((f) => f.name)).to.deep.equal(['ca.pem', 'node-secrets.json', 'node.key', 'node.pem']);
      const text = files.map((f) => f.content).join('\n');
      expect(text).to.not.contain(readFileSync(path.join(secrets, 'ca.key'), 'utf8').trim());
      expect(text).to.not.contain(readFileSync(path.join(secrets, 'admin.token'), 'utf8').trim());
      expect(text).to.not.contain(readFileSync(path.join(secrets, 'client.token'), 'utf8').trim());
      const s = all[i];
      expect([...s.peerKeys.keys()].sort()).to.deep.equal(members.filter((m) => m !== h.node).sort());
      // Pairwise: i's key with j is j's key with i, and i holds no key of a pair it is not in.
      for (const [j, other] of all.entries()) {
        if (j === i) continue;
        expect(s.peerKeys.get(other.self)!.equals(other.peerKeys.get(s.self)!)).to.equal(true);
        const third = all.find((x) => x.self !== s.self && x.self !== other.self)!;
        expect([...s.peerKeys.values()].some((k) => k.equals(other.peerKeys.get(third.self)!))).to.equal(false);
      }
      const cert = new X509Certificate(s.tls!.cert);
      expect(cert.verify(ca.publicKey)).to.equal(true);
      const hostname = h.node.split(':')[0];
      expect(cert.subjectAltName).to.equal(/^\d/.test(hostname) ? `IP Address:${hostname}` : `DNS:${hostname}`);
      expect(cert.checkPrivateKey(crypto.createPrivateKey(s.tls!.key))).to.equal(true);
    }
  });

  it('makes new ones when the hosts change', () => {
    const before = readFileSync(path.join(secrets, 'admin.token'), 'utf8');
    const changed = parseInventory({ hosts: [...INVENTORY.hosts, host('h4', '10.77.0.5:8000')] });
    expect(ensureDeploySecrets(changed, secrets)).to.equal(true);
    expect(readFileSync(path.join(secrets, 'admin.token'), 'utf8')).to.not.equal(before);
    expect(hostSecretFiles(secrets, changed.hosts[3]).length).to.equal(4);
  });
});
