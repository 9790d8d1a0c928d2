// The bench's raftlog audit and the tids its workloads use: a write acknowledged under a tid the cluster had already
// committed is a retry answered by the duplicate check, so a bench that reused tids measured that check, not
// replication (repeated `--concurrency 32,32,32` rounds once did, and ran 2-3 times faster than the first round).
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditRaftlogs } from '../../bench/raftlog-audit.js';
import { loadJobs } from '../../bench/run-system.js';

describe('bench raftlog audit and tids', () => {
  let dir: string;
  const lines = (tids: string[]): string => tids.map((tid, i) => JSON.stringify({ index: i + 1, term: 1, tid, data: 'x' })).join('\n') + '\n';
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'audit-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('passes one history holding every acknowledged write once', async () => {
    writeFileSync(join(dir, 'a'), lines(['t1', 't2', 't3']));
    writeFileSync(join(dir, 'b'), lines(['t1', 't2']));
    const a = await auditRaftlogs([join(dir, 'a'), join(dir, 'b')], ['t1', 't2', 't3']);
    expect(a.ok, a.message).to.equal(true);
    expect(a.linesPerNode).to.deep.equal([3, 2]);
  });

  it('fails when the bench acknowledged the same tid twice, even though the raftlog holds it once', async () => {
    writeFileSync(join(dir, 'a'), lines(['t1', 't2']));
    const a = await auditRaftlogs([join(dir, 'a')], ['t1', 't2', 't1']);
    expect(a.ok).to.equal(false);
    expect(a.message).to.equal('the bench used 1 tid(s) twice: those writes were acknowledged as retries, without new entries');
  });

  it('fails on a missing acknowledged write and on a raftlog that is not a prefix', async () => {
    writeFileSync(join(dir, 'a'), lines(['t1', 't2']));
    writeFileSync(join(dir, 'b'), lines(['t1', 'tX']));
    expect((await auditRaftlogs([join(dir, 'a')], ['t1', 't3'])).message).to.match(/^1 acknowledged write\(s\) missing .*t3/);
    expect((await auditRaftlogs([join(dir, 'a'), join(dir, 'b')], ['t1'])).message).to.match(/not a prefix of one history/);
  });

  it('gives every job of a run its own tid prefix, the same workload repeated included', () => {
    const job = loadJobs('run');
    const prefixes = [job('add', 32, 0, 1000, 'lib-add32'), job('add', 32, 0, 1000, 'lib-add32'), job('add', 1, 0, 1000, 'lib-add1')].map((j) => j.tidPrefix);
    expect(new Set(prefixes).size).to.equal(3);
  });
});
