// The node program on a damaged data directory: it must not start (a node that forgets or invents log entries breaks
// the cluster's guarantees); it exits non-zero with one line naming the file and the byte offset.
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findFreePorts } from '../../src/node/ports.js';
import { NodeStorage } from '../../src/storage/node-storage.js';
import { makeNodeSecrets, runNodeToExit as runNode } from '../integration/helpers.js';
import { range, RecordingLogger, segments, TempDirs, writeCommittedLog } from './helpers.js';

describe('node program with a corrupt data directory', function () {
  this.timeout(30_000);
  const temp = new TempDirs();
  after(() => temp.removeAll());

  async function runOn(dir: string, data: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const [port] = await findFreePorts(1);
    const config = join(dir, 'cluster.json');
    writeFileSync(config, JSON.stringify({ nodes: [`127.0.0.1:${port}`] }));
    makeNodeSecrets(data, [`127.0.0.1:${port}`]);
    return runNode(['--config', config, '--id', `127.0.0.1:${port}`, '--data-dir', data], 20_000);
  }

  function expectOneLine(r: { code: number | null; stdout: string; stderr: string }, file: string, offset: number): void {
    expect(r.code, r.stderr).to.not.equal(0);
    expect(r.code).to.not.equal(null);
    expect(r.stdout).not.to.contain('READY');
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines, r.stderr).to.have.length(1);
    expect(lines[0]).to.contain(file).and.to.contain(`offset ${offset}`);
  }

  it('exits non-zero with one line naming the WAL segment and the offset of the bad record', async () => {
    const dir = temp.make();
    const data = join(dir, 'node');
    const s = NodeStorage.open(data, new RecordingLogger());
    s.append(range(1, 3, 1));
    s.append(range(4, 6, 1));
    s.append(range(7, 9, 1));
    await s.sync();
    await s.close();
    const [wal] = segments(data);
    const buf = readFileSync(wal);
    const second = 8 + buf.readUInt32LE(0);
    buf[second + 20] ^= 0xff;
    writeFileSync(wal, buf);

    expectOneLine(await runOn(dir, data), wal, second);
  });

  it('exits non-zero with one line naming the raftlog and the offset of a damaged line in the middle', async () => {
    const dir = temp.make();
    const data = join(dir, 'node');
    await writeCommittedLog(data, range(1, 5, 1));
    const file = join(data, 'raftlog');
    const text = readFileSync(file, 'utf8');
    const third = text.indexOf('{"index":3,');
    writeFileSync(file, text.replace('{"index":3,', '{"index":3x'));
    expectOneLine(await runOn(dir, data), file, third);
  });
});
