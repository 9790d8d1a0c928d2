// About a minute of chaos on five real node processes: kill -9 and restart, SIGSTOP/SIGCONT, suspend, symmetric and
// one-way partitions through the proxies, with four clients writing and reading all along. Afterwards the history
// must be linearizable, every raftlog a prefix of one history holding every acknowledged write exactly once, and no
// term may have had two leaders. `npm run chaos -- --seconds 600` runs the same thing for longer.
// The same run writes its history file (--history) and its HTML timeline (--report), which are checked against it:
// one run, so the files cost the suite almost nothing.
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkKvHistory } from '../../src/check/kv-model.js';
import { parseHistory } from '../../src/chaos/history-file.js';
import { toKvOperations } from '../../src/chaos/op-record.js';
import { formatChaosReport } from '../../src/chaos/report.js';
import { runChaos, type ChaosReport } from '../../src/chaos/run-chaos.js';
import { countTimelineElements } from './timeline-count.js';

describe('chaos: five real nodes under a nemesis', function () {
  let dir = '';
  let report: ChaosReport;
  let historyFile = '';
  let reportFile = '';

  before(async function () {
    this.timeout(240_000); // hang-catching only: 40 s of faults, then healing, quiescence and checks
    dir = mkdtempSync(join(tmpdir(), 'chaos-test-'));
    historyFile = join(dir, 'history.jsonl');
    reportFile = join(dir, 'timeline.html');
    report = await runChaos({ nodes: 5, seconds: 40, clients: 4, historyFile, reportFile });
    console.log(formatChaosReport(report).replace(/^/gm, '      '));
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged write, stays linearizable and converges after healing', function () {
    expect(report.problems, formatChaosReport(report)).to.deep.equal([]);
    expect(report.ok).to.equal(true);
    // The run must actually have exercised something: faults happened and clients got through between them.
    const f = report.faults;
    expect(f.kill + f.pause + f.suspend + f.partition + f.oneway + f.replace).to.be.at.least(8);
    expect(report.ops.writesAcked).to.be.greaterThan(20);
    expect(report.ops.readsOk).to.be.greaterThan(5);
    expect(report.leadersSeen.length).to.be.at.least(1);
    expect(Math.min(...report.raftlogLengths)).to.equal(report.committedEntries);
  });

  it('writes the history as JSON lines, one per operation, typed as documented, unknown outcomes marked', function () {
    const lines = readFileSync(historyFile, 'utf8').split('\n');
    expect(lines.pop(), 'the file ends with a newline').to.equal('');
    expect(lines).to.have.length(report.ops.total);
    const seen = { ok: 0, unknown: 0, failed: 0, readsOk: 0 };
    const ids = new Set<number>();
    const lastEnd = new Map<string, number>();
    for (const line of lines) {
      const o = JSON.parse(line) as Record<string, unknown>;
      expect(Object.keys(o).sort()).to.deep.equal(
        o.outcome === 'unknown' ? ['call', 'gaveUp', 'id', 'input', 'op', 'outcome', 'output', 'process', 'return'] : ['call', 'id', 'input', 'op', 'outcome', 'output', 'process', 'return'],
      );
      expect(o.process).to.match(/^c[1-4]$/);
      expect(o.op).to.be.oneOf(['add', 'set', 'get']);
      expect(o.call).to.be.a('number').and.at.least(0).and.at.most(report.wallSeconds * 1000);
      expect(ids.has(o.id as number), 'ids are unique').to.equal(false);
      ids.add(o.id as number);
      const input = o.input as Record<string, unknown>;
      expect(Object.keys(input).sort()).to.deep.equal(o.op === 'add' ? ['data', 'tid'] : o.op === 'set' ? ['key', 'tid', 'value'] : ['key']);
      if (o.outcome === 'unknown') {
        seen.unknown++;
        expect(o.op, 'only writes have unknown outcomes').to.be.oneOf(['add', 'set']);
        expect(o.return).to.equal(null);
        expect(o.output).to.equal('unknown');
        expect(o.gaveUp).to.be.a('number').and.at.least(o.call as number);
      } else {
        expect(o.return).to.be.a('number').and.at.least(o.call as number);
        if (o.outcome === 'failed') {
          seen.failed++;
          expect([o.op, o.output]).to.deep.equal(['get', 'failed']);
        } else {
          expect(o.outcome).to.equal('ok');
          seen.ok++;
          if (o.op === 'get') seen.readsOk++;
          expect(o.output).to.satisfy((v: unknown) => (o.op === 'get' ? typeof v === 'string' : v === true));
        }
      }
      // Each client runs one operation at a time: its calls are in order and never overlap.
      const end = (o.return ?? o.gaveUp) as number;
      expect(o.call as number, `client ${o.process} overlaps itself`).to.be.at.least(lastEnd.get(o.process as string) ?? 0);
      lastEnd.set(o.process as string, end);
    }
    expect(seen.unknown).to.equal(report.ops.writesUnknown);
    expect(seen.failed).to.equal(report.ops.readsFailed);
    expect(seen.readsOk).to.equal(report.ops.readsOk);
    expect(seen.ok - seen.readsOk).to.equal(report.ops.writesAcked);
  });

  it('gives the same linearizability verdict when the history file is fed back to the checker', function () {
    const fromFile = checkKvHistory(toKvOperations(parseHistory(readFileSync(historyFile, 'utf8'))));
    expect(fromFile.verdict).to.equal(report.linearizability.verdict);
    expect(fromFile.ops).to.equal(report.linearizability.ops);
    expect(fromFile.ops).to.be.greaterThan(0);
  });

  it('draws a self-contained timeline with every operation, fault and leader of the run', function () {
    const html = readFileSync(reportFile, 'utf8');
    expect(html).to.match(/^<!DOCTYPE html>/);
    expect(html.replace('xmlns="http://www.w3.org/2000/svg"', '')).to.not.match(/https?:|<script|<link|<img|@import/);
    const c = countTimelineElements(html);
    expect(c.svgs).to.equal(1);
    expect(c.declaredOps).to.equal(report.ops.total);
    expect(c.ops + c.bucketOps).to.equal(report.ops.total);
    if (c.mode === 'each') expect(c.buckets).to.equal(0);
    expect(c.outcomes.unknown).to.equal(report.ops.writesUnknown);
    expect(c.outcomes.failed).to.equal(report.ops.readsFailed);
    expect(c.outcomes.ok).to.equal(report.ops.writesAcked + report.ops.readsOk);
    expect(c.faults).to.deep.equal(Object.fromEntries(Object.entries(report.faults).filter(([, n]) => n > 0)));
    expect(c.leaderTerms).to.deep.equal(report.leadersSeen.map((l) => l.term));
    expect(c.lanes).to.deep.equal(['c1', 'c2', 'c3', 'c4']);
  });
});
