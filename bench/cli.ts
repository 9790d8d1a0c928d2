// `npm run bench`: our cluster (and, with --compare etcd, an etcd cluster of the same size) under the same workloads,
// each workload on one then the other on this machine; a table on stdout and the figures as JSON. Bounded by a hard deadline; every process and
// folder it made is removed at the end, on an error, on Ctrl-C and at the deadline. Exit code: 0 when every raftlog
// check passed, 1 when one failed or the run broke off, 2 for bad options or taken ports.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_TIMING } from '../src/protocol/cluster-config.js';
import { PortInUseError } from '../src/node/local-cluster.js';
import { findFreePorts, takenPorts } from '../src/node/ports.js';
import { Cleanup } from './cleanup.js';
import { BENCH_CLI, benchOptionsOf, type BenchOptions } from './options.js';
import { readCli } from '../src/util/cli-args.js';
import { auditRaftlogs, type RaftlogAudit } from './raftlog-audit.js';
import { nodeDir, runRecovery, type RecoveryResult } from './recovery.js';
import { renderBenchHtml } from './html-report.js';
import { renderReport } from './report.js';
import { renderSecurityComparison } from './security-compare.js';
import { emptyResult, runSystems, type Contender, type SystemResult } from './run-system.js';
import { etcdVersion, findEtcd, startEtcdSystem } from './systems/etcd-system.js';
import { remoteRaftSystem, startRaftSystem } from './systems/raft-system.js';
import type { SystemUnderTest } from './systems/system.js';

const progress = (line: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};

class BenchAbort extends Error {}

interface Ports {
  raft: number[];
  etcd: number[];
}

/** Chooses ports (free ones, or from --base-port) and refuses at once if a requested one is taken. */
/** etcd's own defaults, used unless --etcd-timeouts says otherwise. */
const ETCD_DEFAULT_TIMEOUTS = { heartbeatMs: 100, electionTimeoutMs: 1000 };

function etcdTimeoutText(o: BenchOptions): string {
  const t = o.etcdTimeouts ?? ETCD_DEFAULT_TIMEOUTS;
  return `heartbeat ${t.heartbeatMs} ms, election timeout ${t.electionTimeoutMs} ms${o.etcdTimeouts ? '' : ' (its defaults)'}`;
}

async function choosePorts(o: BenchOptions, etcdWanted: boolean): Promise<Ports> {
  // etcd gets as many members as our cluster has nodes (a client port and a peer port each).
  const etcdCount = etcdWanted ? 2 * o.nodes : 0;
  if (o.basePort === null) {
    return { raft: o.endpoints ? [] : await findFreePorts(o.nodes), etcd: etcdCount ? await findFreePorts(etcdCount) : [] };
  }
  const raft = o.endpoints ? [] : Array.from({ length: o.nodes }, (_, i) => o.basePort! + i);
  const etcd = Array.from({ length: etcdCount }, (_, i) => o.basePort! + raft.length + i);
  const taken = await takenPorts('127.0.0.1', [...raft, ...etcd]);
  if (taken.length > 0) throw new PortInUseError('127.0.0.1', taken);
  return { raft, etcd };
}

async function main(): Promise<number> {
  const o: BenchOptions = readCli(BENCH_CLI, benchOptionsOf);
  if (o.htmlFile !== null) {
    try {
      writeFileSync(o.htmlFile, ''); // refuse now rather than after minutes of measuring
    } catch (err) {
      process.stderr.write(`${BENCH_CLI.program}: --html ${o.htmlFile}: cannot write it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})\n`);
      return 2;
    }
  }
  const etcdBinary = o.compareEtcd ? findEtcd() : null;
  if (o.compareEtcd && etcdBinary === null) progress('--compare etcd: no etcd binary on PATH (Debian: apt-get install etcd-server); running ours only');
  let ports: Ports;
  try {
    ports = await choosePorts(o, etcdBinary !== null);
  } catch (err) {
    if (err instanceof PortInUseError) {
      process.stderr.write(`error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  const cleanup = new Cleanup();
  let aborted: string | null = null;
  const abort = (why: string, code: number): void => {
    if (aborted !== null) return;
    aborted = why;
    progress(`${why}: stopping every process and removing the temporary folder`);
    void cleanup.runAll(progress).then(() => process.exit(code));
  };
  const deadline = setTimeout(() => abort(`hard deadline of ${o.deadlineSeconds} s reached`, 1), o.deadlineSeconds * 1000);
  process.once('SIGINT', () => abort('interrupted (SIGINT)', 130));
  process.once('SIGTERM', () => abort('terminated (SIGTERM)', 143));

  const loadAtStart = loadavg();
  if (loadAtStart[0] > 1) progress(`note: load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} cores before the run: other work will disturb the figures`);
  const tmp = mkdtempSync(join(tmpdir(), 'raft-bench-'));
  cleanup.add(`remove ${tmp}`, () => rmSync(tmp, { recursive: true, force: true }));
  const acked: string[] = [];
  const audits: { name: string; audit: RaftlogAudit | null }[] = [];
  const startedAt = new Date().toISOString();
  let ours: SystemResult | null = null;
  let etcd: SystemResult | null = null;
  /** The same clusters driven by the npm xmlrpc client and by etcd's gRPC client (--extra-clients). */
  let oursStock: SystemResult | null = null;
  let etcdGrpc: SystemResult | null = null;
  let recovery: RecoveryResult | null = null;
  /** One more cluster per extra --security mode, driven by our library, interleaved with the first. */
  const otherModes: { result: SystemResult; sys: SystemUnderTest; acked: string[]; dir: string; forget: () => void }[] = [];
  /** Set when a phase failed: what was measured before it is still reported. */
  let error: string | null = null;
  const unexpected = (who: string) => (i: number, code: number | null, signal: string | null): void => {
    progress(`warning: ${who} member ${i} exited on its own (code ${code}, signal ${signal})`);
    (who === 'etcd' ? etcd : ours)?.warnings.push(`${who} member ${i} exited on its own (code ${code}, signal ${signal})`);
  };

  try {
    // --- our cluster
    progress(o.endpoints ? `targeting running nodes ${o.endpoints.join(', ')}` : `starting ${o.nodes} nodes on ports ${ports.raft.join(', ')} in ${tmp}`);
    const clusterDir = join(tmp, 'raft');
    const sys: SystemUnderTest = o.endpoints
      ? remoteRaftSystem(o.endpoints)
      : await startRaftSystem({
          nodes: o.nodes,
          ports: ports.raft,
          dataDir: clusterDir,
          nodeOptions: o.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(o.cpuProfDir)}`] : [],
          onUnexpectedExit: unexpected('raft'),
          security: o.security,
          readMode: o.readMode,
        });
    const forgetSys = cleanup.add('stop our cluster', () => sys.stop());
    ours = emptyResult(sys.label, 'raft-lib');
    const contenders: Contender[] = [{ sys, client: 'raft-lib', primary: true, result: ours, acked }];
    if (o.extraClients.includes('raft-xmlrpc')) {
      // Its writes land in the same raftlogs, so they join the audit.
      oursStock = emptyResult(sys.label, 'raft-xmlrpc');
      contenders.push({ sys, client: 'raft-xmlrpc', primary: false, result: oursStock, acked });
    }

    for (const mode of o.alsoSecurity) {
      const dir = join(tmp, `raft-${mode}`);
      const modePorts = await findFreePorts(o.nodes);
      progress(`starting ${o.nodes} more nodes (security ${mode}) on ports ${modePorts.join(', ')}`);
      const other = await startRaftSystem({ nodes: o.nodes, ports: modePorts, dataDir: dir, onUnexpectedExit: unexpected('raft'), security: mode, readMode: o.readMode });
      const forget = cleanup.add(`stop the security ${mode} cluster`, () => other.stop());
      const entry = { result: emptyResult(other.label, 'raft-lib'), sys: other, acked: [] as string[], dir, forget };
      otherModes.push(entry);
      contenders.push({ sys: other, client: 'raft-lib', primary: true, result: entry.result, acked: entry.acked });
    }

    // --- etcd beside it: the same workloads, each run on both back to back (see runSystems)
    const etcdDir = join(tmp, 'etcd');
    let stopEtcd = async (): Promise<void> => {};
    if (etcdBinary !== null) {
      const version = etcdVersion(etcdBinary);
      progress(`starting etcd ${version} (${o.nodes} members, ${etcdTimeoutText(o)}) on ports ${ports.etcd.join(', ')}`);
      const esys = await startEtcdSystem(
        { binary: etcdBinary, members: o.nodes, ports: ports.etcd, dataDir: etcdDir, timeouts: o.etcdTimeouts, onUnexpectedExit: unexpected('etcd') },
        version,
      );
      const forgetEtcd = cleanup.add('stop etcd', () => esys.stop());
      etcd = emptyResult(esys.label, 'etcd-json');
      contenders.push({ sys: esys, client: 'etcd-json', primary: true, result: etcd, acked: [] });
      if (o.extraClients.includes('etcd-grpc')) {
        etcdGrpc = emptyResult(esys.label, 'etcd-grpc');
        contenders.push({ sys: esys, client: 'etcd-grpc', primary: false, result: etcdGrpc, acked: [] });
      }
      stopEtcd = async () => {
        await esys.stop();
        forgetEtcd();
        rmSync(etcdDir, { recursive: true, force: true });
      };
    }

    await runSystems(contenders, o, cleanup, progress);
    await stopEtcd();
    const paths = sys.raftlogPaths();
    if (paths !== null && !(await sys.waitCaughtUp(15_000))) ours.warnings.push('nodes had not all applied the last commits 15 s after the run');
    await sys.stop();
    forgetSys();
    audits.push({ name: 'load cluster', audit: paths === null ? null : await auditRaftlogs(paths, acked) });
    progress(`raftlog check: ${audits[0].audit?.message ?? 'skipped (remote nodes)'}`);
    if (!o.endpoints) rmSync(clusterDir, { recursive: true, force: true });
    for (const m of otherModes) {
      const mPaths = m.sys.raftlogPaths();
      await m.sys.waitCaughtUp(15_000);
      await m.sys.stop();
      m.forget();
      audits.push({ name: m.result.system, audit: mPaths === null ? null : await auditRaftlogs(mPaths, m.acked) });
      progress(`raftlog check (${m.result.system}): ${audits[audits.length - 1].audit?.message ?? 'skipped'}`);
      rmSync(m.dir, { recursive: true, force: true });
    }

    // --- recovery at scale (our cluster only: etcd would need its own 1M puts)
    if (o.phases.includes('recovery') && !o.endpoints && o.restartEntries > 0) {
      const recDir = join(tmp, 'recovery');
      const dirs = Array.from({ length: o.nodes }, (_, i) => nodeDir(recDir, i));
      progress(`recovery: writing ${o.restartEntries} committed entries, then restarting nodes on them`);
      const recAcked: string[] = [];
      let recSys: Awaited<ReturnType<typeof startRaftSystem>> | null = null;
      const forget = cleanup.add('stop the recovery cluster', () => recSys?.stop());
      const out = await runRecovery(o.restartEntries, dirs, async () => {
        recSys = await startRaftSystem({ nodes: o.nodes, ports: ports.raft, dataDir: recDir, onUnexpectedExit: unexpected('raft'), security: o.security });
        return recSys;
      }, `bench-rec-${Date.now().toString(36)}`, recAcked);
      recovery = out.result;
      progress(`recovery: READY ${recovery.restartToReadyMs} ms, caught up ${recovery.restartToCaughtUpMs} ms after a kill -9; RSS ${recovery.rss.map((s) => s?.rssMiB ?? '-').join(', ')} MiB`);
      await out.system.waitCaughtUp(15_000);
      await out.system.stop();
      forget();
      audits.push({ name: `recovery cluster, ${o.restartEntries} entries`, audit: await auditRaftlogs(dirs.map((d) => join(d, 'raftlog')), recAcked) });
      progress(`raftlog check (recovery): ${audits[audits.length - 1].audit!.message}`);
      rmSync(recDir, { recursive: true, force: true });
    }
  } catch (err) {
    if (aborted !== null) throw new BenchAbort(aborted);
    error = err instanceof Error ? err.message : String(err);
    progress(`error: ${error}`);
  }
  await cleanup.runAll(progress);
  clearTimeout(deadline);
  if (aborted !== null) throw new BenchAbort(aborted);
  if (ours === null) return 1;

  const ok = error === null && audits.every((a) => a.audit === null || a.audit.ok);
  const loadAtEnd = loadavg();
  const others = otherModes.map((m) => m.result);
  const lines = renderReport(ours, etcd, recovery, audits, [ours, oursStock, ...others, etcd, etcdGrpc].filter((r): r is SystemResult => r !== null));
  lines.push(...renderSecurityComparison(ours, others));
  lines.unshift(
    (o.endpoints ? `${ours.system} at ${o.endpoints.join(', ')}: its own configured timeouts` : `${ours.system}: heartbeat ${DEFAULT_TIMING.heartbeatMs} ms, election timeout ${DEFAULT_TIMING.electionTimeoutMs} ms`) +
      (etcd ? `; ${etcd.system}: ${etcdTimeoutText(o)}` : '') +
      `; ${cpus().length} cores, load average ${loadAtStart[0].toFixed(2)} at start, ${loadAtEnd[0].toFixed(2)} at end`,
    '',
  );
  if (error !== null) lines.push(`run broke off: ${error} (figures above are what was measured before)`);
  process.stdout.write(lines.join('\n') + '\n');
  const json = {
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', loadavgAtStart: loadAtStart, loadavgAtEnd: loadAtEnd, node: process.version },
    timeouts: { ours: o.endpoints ? null : DEFAULT_TIMING, etcd: etcd ? (o.etcdTimeouts ?? ETCD_DEFAULT_TIMEOUTS) : null },
    options: o,
    results: { ours, etcd, oursStock, etcdGrpc, recovery, otherSecurityModes: others },
    raftlogChecks: audits,
    error,
    verdict: ok ? 'ok' : 'FAILED',
  };
  writeFileSync(o.jsonFile, JSON.stringify(json, null, 2) + '\n');
  process.stdout.write(`results written to ${resolve(o.jsonFile)}\n`);
  if (o.htmlFile !== null) {
    writeFileSync(o.htmlFile, renderBenchHtml({ textLines: lines, ours, etcd, verdict: json.verdict, startedAt }));
    process.stdout.write(`charts written to ${resolve(o.htmlFile)}\n`);
  }
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof BenchAbort) return; // the abort path exits once cleanup is done
    process.stderr.write(`fatal: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  },
);
