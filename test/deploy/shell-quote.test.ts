// The quoting helper is what keeps host names and paths from the inventory from becoming shell code on a remote
// machine. Checked against a real /bin/sh: whatever goes in comes out as exactly one, unchanged argument.
import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { q, sh } from '../../deploy/shell-quote.js';

function echoThroughShell(command: string): string[] {
  // printf prints each argument on its own line, NUL-terminated so embedded newlines survive.
  const r = spawnSync('sh', ['-c', command], { encoding: 'utf8' });
  expect(r.status, r.stderr).to.equal(0);
  return r.stdout.split('\0').slice(0, -1);
}

describe('deploy shell quoting', () => {
  const nasty = ["it's", 'a b', '$(touch /tmp/pwned)', '`id`', '"; rm -rf / #', 'new\nline', '', '*', '\\', "''", '-n', 'ünï'];

  it('passes every value through sh as one unchanged argument', () => {
    for (const v of nasty) {
      expect(echoThroughShell(`printf '%s\\0' ${q(v)}`)).to.deep.equal([v]);
    }
  });

  it('sh`` quotes interpolations but keeps the literal shell code', () => {
    const dir = "/root/my dir/it's";
    const cmd = sh`printf '%s\\0' ${dir} ${'$HOME'} && printf '%s\\0' ok`;
    expect(echoThroughShell(cmd)).to.deep.equal([dir, '$HOME', 'ok']);
  });

  it('leaves plain words readable', () => {
    expect(q('/root/raft-xmlrpc/app')).to.equal('/root/raft-xmlrpc/app');
    expect(q('10.77.0.2:8000')).to.equal('10.77.0.2:8000');
    expect(q(8000)).to.equal('8000');
  });
});
