// The deploy CLI's own failures (bad task, bad option, missing or broken inventory) are one clear line and exit 2,
// before any connection is attempted.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { parseDeployArgs } from '../../deploy/cli-args.js';
import { CliUsageError } from '../../src/util/cli-args.js';
import { deploy } from './helpers.js';

describe('deploy CLI', () => {
  it('parses tasks and options', () => {
    const a = parseDeployArgs(['get_raftlog', '--inventory', 'x.json', '--hosts', 'h1,h3', '--out', 'o', '--connect-timeout', '2.5', '--no-build']);
    expect(a).to.include({ task: 'get_raftlog', inventory: 'x.json', outDir: 'o', connectTimeoutMs: 2500, build: false });
    expect(a?.only).to.deep.equal(['h1', 'h3']);
    expect(() => parseDeployArgs(['deploy_everything'])).to.throw(CliUsageError, /unknown task 'deploy_everything'/);
    expect(() => parseDeployArgs(['start', '--bogus'])).to.throw(CliUsageError, /^unknown option --bogus$/);
    expect(() => parseDeployArgs(['start', '--connect-timeout', 'soon'])).to.throw(CliUsageError, /^--connect-timeout must be a number in 0\.001\.\.86400, got "soon"$/);
    expect(parseDeployArgs(['start', '--help'])).to.equal(null);
  });

  it('exits 2 with one line for a missing or invalid inventory, and for an unknown --hosts name', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'deploy-cli-'));
    const missing = await deploy('status', [], dir);
    expect(missing.code).to.equal(2);
    expect(missing.out.trim()).to.match(/^no inventory at inventory\.json: copy deploy\/inventory\.example\.json/);
    writeFileSync(path.join(dir, 'inventory.json'), JSON.stringify({ hosts: [{ name: 'h1', node: 'x', dir: '/d', ssh: {} }] }));
    const invalid = await deploy('status', [], dir);
    expect(invalid.code).to.equal(2);
    expect(invalid.out.trim()).to.equal('inventory inventory.json: hosts[0].node must be "HOST:PORT", got "x" (no port)');
    writeFileSync(path.join(dir, 'inventory.json'), JSON.stringify({ hosts: [{ name: 'h1', node: '10.0.0.1:1', dir: '/d', ssh: { host: 'h', user: 'u' } }] }));
    const unknownHost = await deploy('status', ['--hosts', 'h7'], dir);
    expect(unknownHost.code).to.equal(2);
    expect(unknownHost.out.trim()).to.equal('deploy:status: --hosts: not in the inventory: h7');
    rmSync(dir, { recursive: true, force: true });
  });
});
