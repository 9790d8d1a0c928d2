// Security is on unless turned off explicitly: a node without secrets refuses to start (one line, exit 2, naming
// the way out), and --insecure starts it with a warning line on its console and in node.log.
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalCluster } from '../../src/node/local-cluster.js';
import { findFreePorts } from '../../src/node/ports.js';
import { runNodeToExit } from '../integration/helpers.js';

describe('--insecure', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'raft-insecure-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is needed to start a node that has no secrets', async () => {
    const [port] = await findFreePorts(1);
    const config = join(dir, 'cluster.json');
    writeFileSync(config, JSON.stringify({ nodes: [`127.0.0.1:${port}`] }));
    const r = await runNodeToExit(['--config', config, '--id', `127.0.0.1:${port}`, '--data-dir', join(dir, 'bare')]);
    expect(r.code).to.equal(2);
    expect(r.stdout).to.equal('');
    expect(r.stderr.trim().split('\n')).to.have.length(1);
    expect(r.stderr).to.match(/^error: cannot read .*bare\/secrets\/node-secrets\.json: ENOENT \(or run with --insecure, explicitly\)/);
  });

  it('starts every node with a warning line', async () => {
    const lines: string[] = [];
    const c = await startLocalCluster({ nodes: 2, dataDir: join(dir, 'c'), ports: await findFreePorts(2), logLevel: 'warn', security: 'insecure', onOutput: (i, l) => lines.push(`${i} ${l}`) });
    try {
      await c.waitForLeader(20_000);
      for (const i of [0, 1]) {
        expect(lines.filter((l) => l.startsWith(`${i} `) && l.includes('WARNING: --insecure: peers are not authenticated'))).to.have.length(1);
        expect(readFileSync(join(c.nodes[i].dataDir, 'node.log'), 'utf8')).to.contain('WARNING: --insecure');
      }
    } finally {
      await c.stop();
    }
  });
});
