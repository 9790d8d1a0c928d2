// Host key checks without a network: pinned keys, known_hosts (plain, [host]:port and hashed entries), and the
// refusal message a user sees on a mismatch.
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { expectedKeys, fingerprint, makeHostVerifier } from '../../deploy/host-key.js';

const keyA = randomBytes(51);
const keyB = randomBytes(51);
const line = (k: Buffer): string => `ssh-ed25519 ${k.toString('base64')}`;

describe('deploy host key verification', () => {
  it('accepts the pinned key and refuses another with a clear message', () => {
    const ssh = { host: '10.0.0.5', port: 22, user: 'root', hostKey: line(keyA) };
    const v = makeHostVerifier('h5', ssh, expectedKeys(ssh));
    expect(v.verify(keyA)).to.equal(true);
    expect(v.refusal()).to.equal(null);
    expect(v.verify(keyB)).to.equal(false);
    const msg = v.refusal()?.message ?? '';
    expect(msg).to.include('h5').and.include('HOST KEY MISMATCH').and.include(fingerprint(keyB)).and.include(fingerprint(keyA));
  });

  it('reads known_hosts: plain names, [host]:port and hashed entries', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kh-'));
    const salt = randomBytes(20);
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('[10.0.0.7]:2222').digest('base64')}`;
    const file = path.join(dir, 'known_hosts');
    writeFileSync(file, `# comment\nother.example ${line(keyB)}\n10.0.0.6,h6 ${line(keyA)}\n${hashed} ${line(keyB)}\n`);
    expect(expectedKeys({ host: '10.0.0.6', port: 22, user: 'u' }, file).blobs).to.deep.equal([keyA]);
    expect(expectedKeys({ host: '10.0.0.7', port: 2222, user: 'u' }, file).blobs).to.deep.equal([keyB]);
    const unknown = { host: '10.0.0.8', port: 22, user: 'u' };
    const v = makeHostVerifier('h8', unknown, expectedKeys(unknown, file));
    expect(v.verify(keyA)).to.equal(false);
    expect(v.refusal()?.message).to.match(/h8: host key of 10\.0\.0\.8:22 is unknown/);
    rmSync(dir, { recursive: true, force: true });
  });

  describe('@revoked entries in known_hosts', () => {
    let dir = '';
    let file = '';
    before(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'kh-revoked-'));
      file = path.join(dir, 'known_hosts');
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    const refusalFor = (ssh: { host: string; port: number; user: string; hostKey?: string }, offered: Buffer): string | null => {
      const v = makeHostVerifier('hr', ssh, expectedKeys(ssh, file));
      return v.verify(offered) ? null : (v.refusal()?.message ?? 'refused without a reason');
    };

    it('refuses a revoked key even when the same key is also listed as valid, and says it is revoked', () => {
      writeFileSync(file, `10.0.0.9 ${line(keyA)}\n@revoked 10.0.0.9 ${line(keyA)}\n`);
      const msg = refusalFor({ host: '10.0.0.9', port: 22, user: 'u' }, keyA);
      expect(msg).to.equal(`hr: host key of 10.0.0.9:22 (${fingerprint(keyA)}) is marked @revoked in ${file}; refusing to connect`);
    });

    it('refuses a revoked key pinned in the inventory', () => {
      writeFileSync(file, `@revoked * ${line(keyA)}\n`);
      expect(refusalFor({ host: '10.0.0.9', port: 22, user: 'u', hostKey: line(keyA) }, keyA)).to.match(/is marked @revoked/);
      // Another pinned key is unaffected by the revocation.
      expect(refusalFor({ host: '10.0.0.9', port: 22, user: 'u', hostKey: line(keyB) }, keyB)).to.equal(null);
    });

    it('matches revocations by wildcard, [host]:port, hashed name and negation, and only for the hosts they name', () => {
      const salt = randomBytes(20);
      const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('[10.0.1.5]:2222').digest('base64')}`;
      writeFileSync(file, [
        `10.0.1.* ${line(keyA)}`, `[10.0.1.*]:2222 ${line(keyA)}`, `10.0.2.* ${line(keyB)}`,
        `@revoked 10.0.1.?,!10.0.1.7 ${line(keyA)}`,
        `@revoked ${hashed} ${line(keyA)}`,
        '',
      ].join('\n'));
      expect(refusalFor({ host: '10.0.1.6', port: 22, user: 'u' }, keyA)).to.match(/@revoked/);
      expect(refusalFor({ host: '10.0.1.7', port: 22, user: 'u' }, keyA)).to.equal(null); // negated in the revocation
      expect(refusalFor({ host: '10.0.1.42', port: 22, user: 'u' }, keyA)).to.equal(null); // '?' is one character
      expect(refusalFor({ host: '10.0.1.5', port: 2222, user: 'u' }, keyA)).to.match(/@revoked/); // hashed [host]:port
      expect(refusalFor({ host: '10.0.1.42', port: 2222, user: 'u' }, keyA)).to.equal(null);
      expect(refusalFor({ host: '10.0.2.1', port: 22, user: 'u' }, keyB)).to.equal(null);
      // A revocation line never vouches for a key: a host known only through @revoked stays unknown.
      writeFileSync(file, `@revoked 10.0.3.1 ${line(keyA)}\n`);
      expect(refusalFor({ host: '10.0.3.1', port: 22, user: 'u' }, keyB)).to.match(/is unknown/);
    });
  });
});
