// The chaos run's files without a cluster: the history format read back exactly and refused line by line when wrong,
// a history file that is not linearizable caught when fed to the checker, the timeline's bound on big runs, and the
// CLI refusing output files it cannot write before anything starts.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkKvHistory } from '../../src/check/kv-model.js';
import { formatHistory, parseHistory } from '../../src/chaos/history-file.js';
import { toKvOperations, type ChaosOpRecord, type ChaosOutcome } from '../../src/chaos/op-record.js';
import type { ChaosReport } from '../../src/chaos/run-chaos.js';
import { renderChaosHtml } from '../../src/chaos/timeline-html.js';
import { countTimelineElements } from './timeline-count.js';

const CLI = fileURLToPath(new URL('../../src/chaos/cli.js', import.meta.url));

const sample: ChaosOpRecord[] = [
  { id: 0, process: 'c1', input: { op: 'set', key: 'x', value: 'c1.1', tid: 't-c1-1' }, call: 1.5, end: 4.25, outcome: 'ok', output: true },
  { id: 1, process: 'c2', input: { op: 'add', tid: 't-c2-1', data: 'chaos "quoted"\n' }, call: 2, end: 2502.125, outcome: 'unknown' },
  { id: 2, process: 'c3', input: { op: 'get', key: 'x' }, call: 5, end: 6.5, outcome: 'ok', output: 'c1.1' },
  { id: 3, process: 'c3', input: { op: 'get', key: 'y' }, call: 7, end: 2507, outcome: 'failed' },
  { id: 4, process: 'c1', input: { op: 'set', key: 'y', value: 'c1.2', tid: 't-c1-2' }, call: 5, end: 2505, outcome: 'unknown' },
];

describe('chaos history file and timeline', function () {
  it('reads back exactly what it wrote, one line per operation', function () {
    const text = formatHistory(sample);
    expect(text.split('\n')).to.have.length(sample.length + 1);
    expect(JSON.parse(text.split('\n')[1])).to.deep.include({ return: null, gaveUp: 2502.125, outcome: 'unknown', output: 'unknown' });
    expect(parseHistory(text)).to.deep.equal(sample);
  });

  it('refuses a malformed line with one line naming it and the field', function () {
    const lines = formatHistory(sample).split('\n');
    const cases: [string, RegExp][] = [
      ['{"id":0', /^history line 3: not JSON$/],
      [lines[0].replace('"call":1.5', '"call":"1.5"'), /^history line 3: "call" must be/],
      [lines[0].replace('"op":"set"', '"op":"del"'), /^history line 3: "op" must be/],
      [lines[1].replace('"return":null', '"return":9'), /^history line 3: "return" must be null/],
      [lines[3].replace('"op":"get","input":{"key":"y"}', '"op":"add","input":{"tid":"a","data":"b"}'), /^history line 3: only a get can have outcome "failed"/],
      [lines[0].replace('"return":4.25', '"return":1'), /^history line 3: "return"\/"gaveUp" is before "call"/],
      ['[1,2]', /^history line 3: not a JSON object$/],
    ];
    for (const [bad, message] of cases) {
      const text = [lines[0], lines[2], bad].join('\n') + '\n';
      expect(() => parseHistory(text), bad).to.throw(message);
      try {
        parseHistory(text);
      } catch (err) {
        expect((err as Error).message.split('\n'), bad).to.have.length(1);
      }
    }
  });

  it('a history file whose reads contradict real time is a violation for the checker', function () {
    // c3 reads "" after the set of x was acknowledged: stale.
    const stale = sample.map((r) => (r.id === 2 ? { ...r, output: '' } : r));
    const verdict = checkKvHistory(toKvOperations(parseHistory(formatHistory(stale))));
    expect(verdict.verdict).to.equal('violation');
    expect(checkKvHistory(toKvOperations(parseHistory(formatHistory(sample)))).verdict).to.equal('ok');
  });

  it('keeps the timeline bounded on a big run and accounts for every operation', function () {
    const ops: ChaosOpRecord[] = [];
    const outcomes: ChaosOutcome[] = ['ok', 'ok', 'ok', 'unknown', 'failed'];
    for (let i = 0; i < 40_000; i++) {
      const process = `c${(i % 4) + 1}`;
      const call = Math.floor(i / 4) * 6; // 10,000 ops per client over 60 s
      const outcome = outcomes[i % 5];
      const long = i % 997 === 0; // a few long ones, drawn one by one
      ops.push({ id: i, process, input: outcome === 'failed' ? { op: 'get', key: 'x' } : { op: 'add', tid: `t${i}`, data: 'd' }, call, end: call + (long ? 2500 : 5), outcome, output: outcome === 'ok' ? true : undefined });
    }
    const report = fakeReport(ops);
    const html = renderChaosHtml(report);
    const c = countTimelineElements(html);
    expect(c.mode).to.equal('aggregate');
    expect(c.ops + c.bucketOps).to.equal(40_000);
    expect(c.ops).to.be.at.least(40).and.below(200); // the long ones
    // A slow answered call is drawn darker than a fast one: a stall must not look like a run of quick calls.
    const slowOk = ops.filter((o) => o.outcome === 'ok' && o.end! - o.call >= 250).length;
    expect(slowOk).to.be.greaterThan(0);
    expect(html.match(/<rect class="op ok" [^>]*fill="#1b6e2a"/g)).to.have.length(slowOk);
    expect(c.buckets).to.be.below(4 * 2000); // lanes x (width / 3 px)
    expect(c.outcomes).to.deep.equal({ ok: 24_000, unknown: 8000, failed: 8000 });
    expect(html.length).to.be.below(2_000_000);
    expect(c.faults).to.deep.equal({ kill: 1, partition: 1 });
    expect(c.leaderTerms).to.deep.equal([1, 2]);
    // Under the threshold every operation is its own bar.
    const small = countTimelineElements(renderChaosHtml(fakeReport(ops.slice(0, 100))));
    expect([small.mode, small.ops, small.buckets]).to.deep.equal(['each', 100, 0]);
  });

  it('--check-history judges a history file without a run: ok, violation, or a one-line refusal', function () {
    const dir = mkdtempSync(join(tmpdir(), 'chaos-check-'));
    try {
      const run = (text: string) => {
        writeFileSync(join(dir, 'h.jsonl'), text);
        return spawnSync(process.execPath, [CLI, '--check-history', join(dir, 'h.jsonl')], { encoding: 'utf8', timeout: 20_000 });
      };
      const ok = run(formatHistory(sample));
      expect([ok.status, ok.stdout.trim()]).to.deep.equal([0, '5 operations read; setVal/getVal linearizability over 3 of them: ok']);
      const stale = run(formatHistory(sample.map((r) => (r.id === 2 ? { ...r, output: '' } : r))));
      expect(stale.status).to.equal(1);
      expect(stale.stdout).to.contain('linearizability over 3 of them: violation').and.contain('#2');
      const bad = run(formatHistory(sample) + '{"id":9,"process":"c1"}\n');
      expect(bad.status).to.equal(2);
      expect(bad.stderr.trim().split('\n')).to.deep.equal([`chaos: --check-history ${join(dir, 'h.jsonl')}: history line 6: "call" must be a finite non-negative number`]);
      const missing = spawnSync(process.execPath, [CLI, '--check-history', join(dir, 'none.jsonl')], { encoding: 'utf8', timeout: 20_000 });
      expect([missing.status, missing.stderr.trim()]).to.deep.equal([2, `chaos: --check-history ${join(dir, 'none.jsonl')}: cannot read it (ENOENT)`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the CLI refuses an output file it cannot write, or a flag without a file, before starting anything', function () {
    for (const args of [['--history', '/nonexistent-dir/h.jsonl'], ['--report', '/nonexistent-dir/r.html'], ['--history'], ['--report', '--quiet']]) {
      const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 20_000 });
      expect(r.status, args.join(' ')).to.equal(2);
      expect(r.stderr.split('\n')[0], args.join(' ')).to.match(/^chaos: --(history|report) /);
      expect(r.stdout).to.equal('');
    }
  });
});

function fakeReport(ops: ChaosOpRecord[]): ChaosReport {
  const nodes = ['127.0.0.1:9001', '127.0.0.1:9002', '127.0.0.1:9003'];
  return {
    ok: true,
    verdict: 'ok',
    problems: [],
    dataDir: '/tmp/x',
    ops: { total: ops.length, writesAcked: 0, writesUnknown: 0, readsOk: 0, readsFailed: 0 },
    faults: { kill: 1, pause: 0, suspend: 0, partition: 1, oneway: 0, replace: 0 },
    leadersSeen: [{ term: 1, id: nodes[0] }, { term: 2, id: nodes[1] }],
    committedEntries: 0,
    raftlogLengths: [0, 0, 0],
    proxy: { forwarded: 0, requestsSwallowed: 0, repliesSwallowed: 0, upstreamErrors: 0 },
    wallSeconds: 60,
    linearizability: { verdict: 'ok', ops: 0, message: '' },
    timeline: {
      nodes,
      clients: ['c1', 'c2', 'c3', 'c4'],
      ops,
      faults: [
        { kind: 'kill', label: `kill -9 ${nodes[0]}`, nodes: [nodes[0]], start: 5000, end: 8000 },
        { kind: 'partition', label: `partition {${nodes[1]}} | {${nodes[0]} ${nodes[2]}}`, nodes: [nodes[1]], start: 6000, end: null },
      ],
      leaders: [{ at: 100, term: 1, id: nodes[0], lastAt: 5000 }, { at: 6000, term: 2, id: nodes[1], lastAt: 59_000 }],
      nemesisStart: 50,
      healedAt: 55_000,
      end: 60_000,
    },
  };
}
