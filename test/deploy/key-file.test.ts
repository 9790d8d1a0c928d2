// A private key that group or others can read is refused as OpenSSH refuses it: one line, before any connection.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { connectHost, ConnectError } from '../../deploy/connect.js';
import { privateKeyProblem } from '../../deploy/key-file.js';
import { findFreePorts } from '../../src/node/ports.js';

describe('deploy private key file permissions', () => {
  let dir = '';
  before(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'keyfile-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const keyWithMode = (name: string, mode: number): string => {
    const f = path.join(dir, name);
    writeFileSync(f, '-----BEGIN OPENSSH PRIVATE KEY-----\nnot a real key\n-----END OPENSSH PRIVATE KEY-----\n');
    chmodSync(f, mode);
    return f;
  };

  it('accepts 0600 and 0400, refuses anything group or others can touch, naming the mode and the fix', () => {
    expect(privateKeyProblem(keyWithMode('ok600', 0o600))).to.equal(null);
    expect(privateKeyProblem(keyWithMode('ok400', 0o400))).to.equal(null);
    for (const mode of [0o644, 0o640, 0o604, 0o620, 0o602, 0o660]) {
      const f = keyWithMode(`bad${mode.toString(8)}`, mode);
      expect(privateKeyProblem(f)).to.equal(
        `key file ${f} is accessible by group or others (mode 0${mode.toString(8)}); ssh refuses such keys too: chmod 600 ${f}`,
      );
    }
    const spaced = keyWithMode("my key's", 0o644);
    // The suggested command is quoted for a shell, so it can be pasted as is.
    expect(privateKeyProblem(spaced)).to.match(/chmod 600 '[^']*my key'\\''s'$/);
    expect(privateKeyProblem(path.join(dir, 'missing'))).to.equal(`key file ${path.join(dir, 'missing')} does not exist`);
    mkdirSync(path.join(dir, 'adir'));
    expect(privateKeyProblem(path.join(dir, 'adir'))).to.match(/is not a regular file$/);
  });

  it('connectHost refuses a 0644 key before connecting', async () => {
    // Nothing listens on this port: had the check been skipped, the error would be a refused connection instead.
    const [port] = await findFreePorts(1);
    const key = keyWithMode('id_open', 0o644);
    const host = {
      name: 'h1', node: '127.0.0.1:8000', dir: '/x',
      ssh: { host: '127.0.0.1', port, user: 'root', privateKeyPath: key, hostKey: `ssh-ed25519 ${Buffer.alloc(51, 1).toString('base64')}` },
    };
    let err: unknown = null;
    await connectHost(host, 2000).then((c) => c.dispose(), (e: unknown) => (err = e));
    expect(err).to.be.instanceOf(ConnectError);
    expect((err as Error).message).to.equal(`h1: key file ${key} is accessible by group or others (mode 0644); ssh refuses such keys too: chmod 600 ${key}`);
  });
});
