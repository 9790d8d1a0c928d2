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
});
