// Regression tests for issue 11 (findings 7 and 8, storage parts), through the node program: a data directory the node
// cannot prove consistent makes it refuse to start with exactly one stderr line naming the file and what is wrong
// (exit 1), and a write error on the lazy raftlog path is one line and exit 1, not an uncaught exception.
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { findFreePorts } from '../../src/node/ports.js';
import { NodeStorage } from '../../src/storage/node-storage.js';
import { formatRaftlogBase, formatRaftlogLine } from '../../src/storage/raftlog-format.js';
import { makeNodeSecrets, NODE_MAIN, runNodeToExit, type NodeRun } from '../integration/helpers.js';
import { entry, lineWithCrc, range, RecordingLogger, TempDirs } from './helpers.js';

/**
 * A node's data directory after 260 entries of term 1, 251 of them committed (raftlog) and recorded in hardstate.
 * With small WAL segments, the segments the raftlog covers are gone (as on a node that ran a while).
 */
async function nodeDir(data: string, segmentBytes?: number): Promise<void> {
  const s = NodeStorage.open(data, new RecordingLogger(), { segmentBytes });
  s.setHardState({ term: 1, vote: null, commit: 0 });
  for (const e of range(1, 260, 1)) s.append([e]);
  await s.sync();
  s.appendCommitted(range(1, 251, 1));
  s.setHardState({ term: 1, vote: null, commit: 251 });
  await s.close();
}

/** Runs a command until it exits by itself (SIGKILL after 20 s: a hang catcher only). */
function runToExit(cmd: string, args: string[]): Promise<NodeRun> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function lineOffset(file: string, index: number): number {
  const text = readFileSync(file, 'utf8');
  const at = text.indexOf(`{"index":${index},`);
  expect(at).to.be.greaterThan(-1);
  return Buffer.byteLength(text.slice(0, at));
}

function expectRefusal(r: NodeRun, file: string, what: RegExp): string {
  expect(r.stdout, r.stderr).not.to.contain('READY');
  expect(r.code, r.stderr).to.equal(1);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines, r.stderr).to.have.length(1);
  expect(lines[0]).to.contain(file).and.to.match(what);
  return lines[0];
}

describe('issue 11: the node refuses storage it cannot prove consistent (node program)', function () {
  this.timeout(60_000);
  const temp = new TempDirs();
  after(() => temp.removeAll());

  async function setup(segmentBytes?: number): Promise<{ dir: string; data: string; run: () => Promise<NodeRun> }> {
    const dir = temp.make();
    const data = join(dir, 'node');
    await nodeDir(data, segmentBytes);
    const [port] = await findFreePorts(1);
    const config = join(dir, 'cluster.json');
    writeFileSync(config, JSON.stringify({ nodes: [`127.0.0.1:${port}`] }));
    makeNodeSecrets(data, [`127.0.0.1:${port}`]);
    const args = ['--config', config, '--id', `127.0.0.1:${port}`, '--data-dir', data, '--log-level', 'warn'];
    return { dir, data, run: () => runNodeToExit(args, 20_000) };
  }

  it('finding 7: the data of raftlog line 100 edited while stopped (checksum left as it was)', async () => {
    const { data, run } = await setup();
    const file = join(data, 'raftlog');
    const at = lineOffset(file, 100);
    writeFileSync(file, readFileSync(file, 'utf8').replace('"data-100"', '"data-1X0"'));
    // The WAL still holds entry 100: the comparison with it or the line's checksum, whichever looks first.
    const line = expectRefusal(await run(), file, /checksum mismatch|line 100 disagrees with the write-ahead log/);
    expect(line).to.match(/^fatal: corrupt /).and.to.contain(`offset ${at}`);
  });

  it('finding 7: raftlog line 100 edited where the WAL no longer holds it: its checksum tells', async () => {
    const { data, run } = await setup(2048);
    const file = join(data, 'raftlog');
    const at = lineOffset(file, 100);
    writeFileSync(file, readFileSync(file, 'utf8').replace('"data-100"', '"data-1X0"'));
    const line = expectRefusal(await run(), file, /checksum mismatch/);
    expect(line).to.match(/^fatal: corrupt /).and.to.contain(`offset ${at}`).and.to.contain('line 100');
  });

  it('finding 7: raftlog line 100 edited with its checksum recomputed disagrees with the WAL', async () => {
    const { data, run } = await setup();
    const file = join(data, 'raftlog');
    const at = lineOffset(file, 100);
    const forged = lineWithCrc(formatRaftlogBase({ ...entry(100, 1), data: 'forged' }));
    writeFileSync(file, readFileSync(file, 'utf8').replace(formatRaftlogLine(entry(100, 1)), forged));
    const line = expectRefusal(await run(), file, /line 100 disagrees with the write-ahead log/);
    expect(line).to.contain(`offset ${at}`).and.to.contain(join(data, 'wal'));
  });

  it('finding 7: a deleted hardstate beside a log of term-1 entries (it could vote twice in term 1)', async () => {
    const { data, run } = await setup();
    rmSync(join(data, 'hardstate'));
    expectRefusal(await run(), join(data, 'hardstate'), /missing beside a non-empty log/);
  });

  it('finding 7: raftlog cut to 100 lines and the WAL deleted while hardstate says commit 251', async () => {
    const { data, run } = await setup();
    const file = join(data, 'raftlog');
    truncateSync(file, lineOffset(file, 101));
    for (const f of readdirSync(join(data, 'wal'))) rmSync(join(data, 'wal', f));
    expectRefusal(await run(), join(data, 'hardstate'), /commit index 251 is beyond the last entry on disk \(100/);
  });

  it('finding 8: a hardstate whose checksum is right around bad JSON names the file', async () => {
    const { data, run } = await setup();
    const bad = '{"term":1,"vote":null,';
    writeFileSync(join(data, 'hardstate'), `${crc32(bad).toString(16).padStart(8, '0')} ${bad}\n`);
    expectRefusal(await run(), join(data, 'hardstate'), /not JSON/);
  });

  it('an unreadable hardstate (a directory in its place) names the file', async () => {
    const { data, run } = await setup();
    rmSync(join(data, 'hardstate'));
    mkdirSync(join(data, 'hardstate'));
    expectRefusal(await run(), join(data, 'hardstate'), /unreadable/);
  });

  it('finding 8: a write error in the lazy raftlog batch path is one line naming the raftlog and exit 1', async function () {
    // The raftlog is made to hit the file-size limit (EFBIG, the same path as ENOSPC) with its next line: prlimit
    // caps every file of the node at the raftlog's size plus a few bytes, far above what the WAL (its covered segments
    // deleted) and node.log need. Before the fix: an uncaught exception from the batch timer, with a stack trace.
    if (spawnSync('prlimit', ['--version']).status !== 0) this.skip();
    const { data, dir } = await setup(2048);
    const file = join(data, 'raftlog');
    const limit = statSync(file).size + 20;
    for (const f of readdirSync(join(data, 'wal'))) expect(statSync(join(data, 'wal', f)).size).to.be.lessThan(limit / 4);
    const [port] = await findFreePorts(1);
    const config = join(dir, 'cluster2.json');
    writeFileSync(config, JSON.stringify({ nodes: [`127.0.0.1:${port}`] }));
    makeNodeSecrets(data, [`127.0.0.1:${port}`]);
    // The node runs alone: it elects itself, appends a no-op and commits it; its raftlog line is written lazily.
    const r = await runToExit('prlimit', [`--fsize=${limit}`, process.execPath, NODE_MAIN, '--config', config, '--id', `127.0.0.1:${port}`, '--data-dir', data, '--log-level', 'warn']);
    expect(r.stdout).to.contain('READY');
    expect(r.code, r.stderr).to.equal(1);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines, r.stderr).to.have.length(1);
    expect(lines[0]).to.match(/^fatal: cannot write /).and.to.contain(file).and.to.match(/EFBIG|ENOSPC/);
  });
});
