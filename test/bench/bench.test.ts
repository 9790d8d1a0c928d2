// The benchmark run for real (node dist/bench/cli.js) on a fresh 3-node cluster with very short windows: it must
// measure positive throughput, time a failover, count elections, restart a node on a filled log, end with a passing
// raftlog check, write its JSON and its HTML charts (checked against the JSON), and leave no process or folder
// behind. Plus the refusals users rely on.
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePorts } from '../../src/node/ports.js';

const CLI = fileURLToPath(new URL('../../bench/cli.js', import.meta.url));
const TINY = ['--seconds', '1', '--warmup-seconds', '0.5', '--concurrency', '1,8', '--kills', '1', '--restart-entries', '2000', '--stability-seconds', '2'];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runBench(args: string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGINT'); // the bench's own cleanup path; the test then fails on the exit code
      reject(new Error(`bench did not finish within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function tempJson(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bench-test-'));
  return { dir, file: join(dir, 'results.json') };
}

interface LoadRow {
  op: string;
  concurrency: number;
  opsPerSec: number;
  serverCpuMsPer1k: number | null;
  clientCpuMsPer1k: number | null;
  latencyMs: { p50: number; p99: number; p999: number; count: number };
  series: { intervalMs: number; points: { t: number; n: number; p50: number; p99: number; max: number }[] };
}

interface FailoverRow {
  medianMs: number | null;
  rounds: { killed: string; ms: number | null; acksMs: number[] }[];
}

/** What the HTML page draws, read back by its class and data-* markers, against the JSON of the same run. */
function checkHtml(html: string, load: LoadRow[], stability: { load: LoadRow; leaderChanges: number; leaderChangesAtMs: number[] }, failover: FailoverRow): void {
  expect(html).to.match(/^<!DOCTYPE html>/);
  expect(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')).to.not.match(/https?:|<script|<link|<img|@import/);
  const charts = [...html.matchAll(/<svg class="latency-chart" data-workload="(\w+)"[\s\S]*?<\/svg>/g)];
  expect(charts.map((c) => c[1])).to.deep.equal([...load.map((l) => `${l.op}${l.concurrency}`), 'stability']);
  expect(stability.leaderChangesAtMs).to.have.length(stability.leaderChanges);
  expect((charts[load.length][0].match(/<line class="leader-change"/g) ?? []).length).to.equal(stability.leaderChanges);
  [...load, stability.load].forEach((l, i) => {
    expect(l.series.points.length, `${l.op}${l.concurrency} has points`).to.be.greaterThan(0);
    expect(l.series.points.reduce((n, p) => n + p.n, 0), 'every measured operation is in one interval').to.equal(l.latencyMs.count);
    for (const q of ['p50', 'p99']) {
      const path = new RegExp(`<path class="${q}" data-system="[^"]+" data-points="(\\d+)" d="([^"]+)"`).exec(charts[i][0]);
      expect(path, `${q} line of ${charts[i][1]}`).to.not.equal(null);
      expect(Number(path![1])).to.equal(l.series.points.length);
      expect(path![2].match(/[ML]/g)).to.have.length(l.series.points.length);
    }
  });
  const rounds = [...html.matchAll(/<g class="failover-round" data-system="[^"]+" data-round="(\d+)" data-gap-ms="(\w+)" data-acks="(\d+)">([\s\S]*?)<\/g>/g)];
  expect(rounds).to.have.length(failover.rounds.length);
  rounds.forEach((r, i) => {
    const round = failover.rounds[i];
    expect(r[2]).to.equal(String(round.ms));
    expect(Number(r[3])).to.equal(round.acksMs.length);
    expect(r[4]).to.contain(`${round.ms} ms</text>`);
    // Writes were acknowledged before the kill, and again once the gap was over.
    expect(round.acksMs.some((a) => a < 0)).to.equal(true);
    expect(round.acksMs.some((a) => a >= round.ms!)).to.equal(true);
    // One tick per pixel column that holds an acknowledgement: the lane is 900 px from 500 ms before the kill to
    // 550 ms after the longest gap (at least 600 ms); later acknowledgements are off the chart.
    const hi = Math.max(600, ...failover.rounds.map((x) => x.ms! + 550));
    const shown = round.acksMs.filter((a) => a >= -500 && a <= hi);
    const columns = new Set(shown.map((a) => Math.round(190 + ((a + 500) / (hi + 500)) * 900)));
    expect((r[4].match(/<line class="ack"/g) ?? []).length).to.equal(columns.size);
  });
}

describe('npm run bench (bench/cli.ts)', function () {
  this.timeout(120_000);

  it('measures our 3-node cluster end to end and ends with a passing raftlog check', async () => {
    const { dir, file } = tempJson();
    try {
      const html = join(dir, 'charts.html');
      const r = await runBench([...TINY, '--json', file, '--html', html], 90_000);
      expect(r.code, r.stderr).to.equal(0);
      const j = JSON.parse(readFileSync(file, 'utf8')) as {
        verdict: string;
        results: {
          oursStock: { client: string; load: LoadRow[]; failover: unknown; stability: unknown };
          etcdGrpc: unknown;
          ours: { load: LoadRow[]; failover: FailoverRow; stability: { termChanges: number | null; load: LoadRow; leaderChanges: number; leaderChangesAtMs: number[] }; rssAfterLoad: ({ peakMiB: number } | null)[] };
          etcd: unknown;
          recovery: { entries: number; restartToReadyMs: number; restartToCaughtUpMs: number };
        };
        raftlogChecks: { name: string; audit: { ok: boolean; acknowledgedWrites: number } }[];
      };
      const ours = j.results.ours;
      expect(ours.load.map((l) => `${l.op}${l.concurrency}`)).to.deep.equal(['add1', 'add8', 'set1', 'set8', 'get1', 'get8']);
      // The same workloads through the npm xmlrpc client, load only; every row with the cluster's CPU per 1,000 ops.
      const stock = j.results.oursStock;
      expect(stock.client).to.equal('raft-xmlrpc');
      expect(stock.load.map((l) => `${l.op}${l.concurrency}`)).to.deep.equal(['add1', 'add8', 'set1', 'set8', 'get1', 'get8']);
      expect(stock.failover).to.equal(null);
      expect(stock.stability).to.equal(null);
      for (const l of [...ours.load, ...stock.load]) {
        expect(l.opsPerSec, `${l.op} x${l.concurrency}`).to.be.greaterThan(0);
        expect(l.latencyMs.p50).to.be.greaterThan(0);
        expect(l.latencyMs.p99).to.be.at.least(l.latencyMs.p50);
        // Three node processes each spend at least a little CPU per operation, and under 10 s of it per operation.
        expect(l.serverCpuMsPer1k, `server CPU of ${l.op} x${l.concurrency}`).to.be.a('number').and.greaterThan(0).and.lessThan(10_000_000);
        expect(l.clientCpuMsPer1k).to.be.a('number').and.greaterThan(0);
      }
      expect(j.results.etcdGrpc).to.equal(null);
      expect(r.stdout).to.match(/CPU per 1,000 operations/).and.match(/ours, npm xmlrpc client/);
      expect(ours.failover.rounds).to.have.length(1);
      expect(ours.failover.medianMs).to.be.a('number').and.greaterThan(0);
      expect(ours.stability.termChanges).to.be.a('number');
      expect(ours.rssAfterLoad).to.have.length(3);
      for (const s of ours.rssAfterLoad) expect(s?.peakMiB).to.be.greaterThan(0);
      expect(j.results.recovery.entries).to.equal(2000);
      expect(j.results.recovery.restartToCaughtUpMs).to.be.at.least(j.results.recovery.restartToReadyMs);
      expect(j.results.etcd).to.equal(null);
      expect(j.raftlogChecks).to.have.length(2);
      for (const c of j.raftlogChecks) expect(c.audit.ok, c.name).to.equal(true);
      expect(j.raftlogChecks[0].audit.acknowledgedWrites).to.be.greaterThan(0);
      expect(j.verdict).to.equal('ok');
      expect(r.stdout).to.match(/addEntry x8/).and.match(/raftlog check \(load cluster\): ok/);
      checkHtml(readFileSync(html, 'utf8'), ours.load, ours.stability, ours.failover);
      const folder = /in (\S*raft-bench-\w+)/.exec(r.stderr)?.[1];
      expect(folder, 'the bench names its temporary folder').to.be.a('string');
      expect(existsSync(folder!), 'temporary folder left behind').to.equal(false);
      expect(spawnSync('pgrep', ['-f', folder!]).status, 'node processes left behind').to.not.equal(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--rates runs open-loop workloads at the offered rate, and repeated rounds write new entries each time', async () => {
    const { dir, file } = tempJson();
    try {
      // Two rounds of the same rate: each must commit its own writes (the audit fails on a tid acknowledged twice).
      const r = await runBench(['--phases', 'load', '--ops', 'add', '--rates', '150,150', '--seconds', '2', '--warmup-seconds', '0.5', '--extra-clients', 'none', '--security', 'local', '--json', file], 60_000);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.contain('addEntry @150/s');
      const j = JSON.parse(readFileSync(file, 'utf8')) as {
        results: { ours: { load: (LoadRow & { rate: number | null; missed: number })[] } };
        raftlogChecks: { audit: { ok: boolean; acknowledgedWrites: number; linesPerNode: number[] } }[];
      };
      const load = j.results.ours.load;
      expect(load.map((l) => l.rate)).to.deep.equal([150, 150]);
      for (const l of load) {
        // 150 a second offered for 2 s: a light load any machine keeps up with (generous bounds; timing is not the point).
        expect(l.missed).to.equal(0);
        expect(l.opsPerSec).to.be.within(100, 160);
      }
      const audit = j.raftlogChecks[0].audit;
      expect(audit.ok).to.equal(true);
      // Every acknowledged write is a distinct new entry: the raftlog holds at least as many entries.
      expect(Math.max(...audit.linesPerNode)).to.be.at.least(audit.acknowledgedWrites);
      expect(audit.acknowledgedWrites).to.be.greaterThan(2 * 2 * 100);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start, in one line with exit code 2, when a requested port is taken', async () => {
    const [port] = await findFreePorts(4);
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(port + 1, '127.0.0.1', resolve));
    try {
      const r = await runBench(['--base-port', String(port), ...TINY], 30_000);
      expect(r.code).to.equal(2);
      expect(r.stderr.trim().split('\n')).to.have.length(1);
      expect(r.stderr).to.contain(String(port + 1)).and.contain('in use');
    } finally {
      holder.close();
    }
  });

  it('refuses an --html file it cannot write, in one line with exit code 2, before starting anything', async () => {
    const r = await runBench(['--html', '/nonexistent-dir/charts.html', ...TINY], 30_000);
    expect(r.code).to.equal(2);
    expect(r.stderr.trim().split('\n')).to.deep.equal(['bench: --html /nonexistent-dir/charts.html: cannot write it (ENOENT)']);
  });

  it('rejects an unknown option with exit code 2', async () => {
    const r = await runBench(['--frobnicate', '3'], 30_000);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.equal('bench: unknown option --frobnicate (try --help)\n');
  });

  it('rejects etcd timeouts etcd itself would refuse, saying why, with exit code 2', async () => {
    const r = await runBench(['--compare', 'etcd', '--etcd-timeouts', '100,200'], 30_000);
    expect(r.code).to.equal(2);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
    expect(r.stderr).to.match(/^bench: --etcd-timeouts /).and.contain('5 x heartbeat').and.contain('"100,200"');
  });

  const etcd = spawnSync('sh', ['-c', 'command -v etcd'], { encoding: 'utf8' }).stdout.trim();
  (etcd ? it : it.skip)('with --compare etcd, runs the same workloads against a 3-member etcd with the timeouts given and prints the ratio (skipped when etcd is not on PATH)', async () => {
    const { dir, file } = tempJson();
    try {
      const r = await runBench(['--seconds', '1', '--warmup-seconds', '0.5', '--concurrency', '4', '--ops', 'add,get', '--kills', '1', '--phases', 'load,failover', '--compare', 'etcd', '--etcd-timeouts', '50,300', '--json', file], 90_000);
      expect(r.code, r.stderr).to.equal(0);
      const j = JSON.parse(readFileSync(file, 'utf8')) as {
        timeouts: { etcd: { heartbeatMs: number; electionTimeoutMs: number } };
        results: { etcd: { load: LoadRow[]; failover: { medianMs: number } }; etcdGrpc: { client: string; load: LoadRow[]; failover: unknown }; oursStock: { load: LoadRow[] } };
      };
      // The timeouts given are the ones etcd ran with, and the report says so.
      expect(j.timeouts.etcd).to.deep.equal({ heartbeatMs: 50, electionTimeoutMs: 300 });
      expect(r.stdout).to.match(/etcd [^;]*: heartbeat 50 ms, election timeout 300 ms/);
      expect(j.results.etcd.load.map((l) => l.op)).to.deep.equal(['add', 'get']);
      for (const l of j.results.etcd.load) expect(l.opsPerSec).to.be.greaterThan(0);
      // etcd through its native gRPC client too (load only), and every row of both systems with server CPU per op.
      expect(j.results.etcdGrpc.client).to.equal('etcd-grpc');
      expect(j.results.etcdGrpc.load.map((l) => l.op)).to.deep.equal(['add', 'get']);
      expect(j.results.etcdGrpc.failover).to.equal(null);
      const rows = [['etcd JSON', j.results.etcd.load], ['etcd gRPC', j.results.etcdGrpc.load], ['ours npm xmlrpc', j.results.oursStock.load]] as const;
      for (const [who, load] of rows) {
        for (const l of load) {
          expect(l.opsPerSec, `${who} ${l.op}`).to.be.greaterThan(0);
          expect(l.serverCpuMsPer1k, `server CPU of ${who} ${l.op}`).to.be.a('number').and.greaterThan(0);
        }
      }
      expect(r.stdout).to.match(/etcd, gRPC \(npm etcd3\)/).and.match(/server CPU vs etcd gRPC/);
      expect(j.results.etcd.failover.medianMs).to.be.greaterThan(0);
      expect(r.stdout).to.match(/ratio ops\/s/);
      const folder = /in (\S*raft-bench-\w+)/.exec(r.stderr)?.[1];
      expect(folder, 'the bench names its temporary folder').to.be.a('string');
      expect(existsSync(folder!), 'temporary folder left behind').to.equal(false);
      expect(spawnSync('pgrep', ['-f', folder!]).status, 'etcd or node processes left behind').to.not.equal(0);
    } finally {
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    }
  });
});
