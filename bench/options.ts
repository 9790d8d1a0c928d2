// `npm run bench -- [options]`: what to run and against what, read by src/util/cli-args.ts. Every problem is one line
// `bench: ... (try --help)` and exit code 2.
import { CliUsageError, defineCli, type Parsed } from '../src/util/cli-args.js';
import { custom, decimal, integer, listOf, oneOf, text } from '../src/util/cli-options.js';
import type { OpKind } from './load/closed-loop.js';
import { splitHostPort } from '../src/util/host-port.js';

function isHostPort(s: string): boolean {
  try {
    splitHostPort(s);
    return true;
  } catch {
    return false;
  }
}

/** The npm xmlrpc client against our cluster; etcd's native gRPC client (npm etcd3) against etcd. */
export type ExtraClient = 'raft-xmlrpc' | 'etcd-grpc';
const EXTRA_CLIENTS: readonly ExtraClient[] = ['raft-xmlrpc', 'etcd-grpc'];

export type Phase = 'load' | 'stability' | 'failover' | 'recovery';

export interface BenchOptions {
  nodes: number;
  /** Target running nodes instead of starting a cluster (load and stability only). */
  endpoints: string[] | null;
  basePort: number | null;
  seconds: number;
  warmupSeconds: number;
  /** Unmeasured load on each fresh cluster before the first workload (its JIT takes 10-20 s of load to settle). */
  prewarmSeconds: number;
  /** Closed-loop levels (calls in flight); empty when only --rates were asked for. */
  concurrency: number[];
  /** Open-loop workloads: offered operations per second. */
  rates: number[];
  ops: OpKind[];
  kills: number;
  failoverWriters: number;
  stabilitySeconds: number;
  restartEntries: number;
  compareEtcd: boolean;
  /** etcd's heartbeat and election timeout in ms; null keeps its defaults (100 ms, 1000 ms). */
  etcdTimeouts: { heartbeatMs: number; electionTimeoutMs: number } | null;
  jsonFile: string;
  /** Also write the charts (latency over time, failover gaps) as one HTML file here. */
  htmlFile: string | null;
  clientThreads: number;
  /** Clients beside the primary ones (our library, etcd's JSON gateway), for the load workloads. */
  extraClients: ExtraClient[];
  phases: Phase[];
  cpuProfDir: string | null;
  /** Hard bound on the whole run. */
  deadlineSeconds: number;
  /** How our cluster runs: as deployed (TLS, credentials; the default), as the local cluster, or --insecure. */
  security: BenchSecurityMode;
  /** More modes from `--security A,B,...`: one more cluster each, its workloads interleaved with the first's. */
  alsoSecurity: BenchSecurityMode[];
  /** How our cluster serves getVal: ReadIndex (default) or leader lease. */
  readMode: 'index' | 'lease';
}

export type BenchSecurityMode = 'deployed' | 'deployed-peertls' | 'local' | 'insecure';
const SECURITY_MODES: readonly BenchSecurityMode[] = ['deployed', 'deployed-peertls', 'local', 'insecure'];

const OPS: readonly OpKind[] = ['add', 'set', 'get'];
const PHASES: readonly Phase[] = ['load', 'stability', 'failover', 'recovery'];

function concurrencyList(raw: string): number[] {
  const c = raw.split(',').map((s) => s.trim());
  if (c.some((x) => !/^\d{1,4}$/.test(x) || Number(x) < 1 || Number(x) > 4096)) {
    throw new Error('--concurrency takes a comma-separated list of whole numbers in 1..4096');
  }
  return c.map(Number);
}

function rateList(raw: string): number[] {
  const r = raw.split(',').map((s) => s.trim());
  if (r.some((x) => !/^\d{1,6}$/.test(x) || Number(x) < 1 || Number(x) > 200_000)) {
    throw new Error('--rates takes a comma-separated list of whole numbers of operations per second in 1..200000');
  }
  return r.map(Number);
}

function endpointList(raw: string): string[] {
  const e = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (e.length === 0 || e.some((x) => !isHostPort(x))) throw new Error('--endpoints takes host:port,host:port,... (IPv6 as [::1]:port)');
  return e;
}

function extraClientList(raw: string): ExtraClient[] {
  if (raw === 'none') return [];
  return listOf('', EXTRA_CLIENTS, { default: EXTRA_CLIENTS }).read(raw, '--extra-clients');
}

export const BENCH_CLI = defineCli({
  program: 'bench',
  usage: 'npm run bench -- [options]',
  summary: 'Our cluster (and etcd with --compare etcd) under the same workloads; a table on stdout, the figures as JSON.',
  options: {
    nodes: integer('cluster size (both systems)', { min: 1, max: 15, default: 3 }),
    endpoints: custom('measure these running nodes instead of starting a cluster (load and stability only)', 'HOST:PORT,...', endpointList),
    'base-port': integer('first of the ports to use (default: free ones)', { min: 1, max: 65000, placeholder: 'P' }),
    seconds: decimal('measured time per workload and client', { min: 0.2, max: 3600, default: 6, placeholder: 'S' }),
    'warmup-seconds': decimal('unmeasured time before each workload', { min: 0, max: 3600, placeholder: 'S', defaultText: 'min(2, --seconds)' }),
    'prewarm-seconds': decimal('unmeasured writes (32 in flight) on each fresh cluster before the first workload: a node reaches its steady cost only after 10-20 s of load (V8 keeps optimizing until then)', { min: 0, max: 600, placeholder: 'S', defaultText: '20, or --warmup-seconds when that is under 2' }),
    concurrency: custom('calls in flight, one workload each', 'N,N,...', concurrencyList, { defaultText: '1,32,256' }),
    rates: custom('offered rates, open loop (requests on a fixed schedule, at most 256 in flight), one workload each: CPU per operation compared at equal load; alone, no closed-loop levels run', 'R,R,...', rateList),
    ops: listOf('operations measured', OPS, { default: OPS }),
    kills: integer('failover: leader kills', { min: 0, max: 100, default: 5 }),
    'failover-writers': integer('failover: writers during the kills', { min: 1, max: 64, default: 4 }),
    'stability-seconds': decimal('stability: how long', { min: 0, max: 3600, default: 60, placeholder: 'S' }),
    'restart-entries': integer('recovery: committed entries before the restart', { min: 0, max: 20_000_000, default: 1_000_000 }),
    compare: oneOf('also run etcd (from PATH) beside ours', ['etcd']),
    'etcd-timeouts': custom("etcd's heartbeat and election timeout (default: its own, 100,1000)", 'HEARTBEAT_MS,ELECTION_MS', parseEtcdTimeouts),
    json: text('figures as JSON', { placeholder: 'FILE', default: 'bench-results.json' }),
    html: text('charts (latency over time, failover gaps) as one HTML file', { placeholder: 'FILE' }),
    'client-threads': integer('worker threads driving the load (0: this thread)', { min: 0, max: 16, default: 0 }),
    'extra-clients': custom('clients beside the primary ones, or none', `${EXTRA_CLIENTS.join(',')}|none`, extraClientList, { defaultText: EXTRA_CLIENTS.join(',') }),
    phases: listOf('what to run', PHASES, { default: PHASES }),
    'cpu-prof': text("write each node's CPU profile here (see bench/profile-top.ts)", { placeholder: 'DIR' }),
    'deadline-seconds': decimal('hard bound on the whole run', { min: 5, max: 86_400, placeholder: 'S', defaultText: 'twice an estimate of the run' }),
    security: listOf('how our cluster runs: as deployed (TLS, credentials; members plain HTTP with MACs), deployed with TLS between members too, as the local cluster, or insecure; several modes: one cluster each, workloads interleaved', SECURITY_MODES, { default: ['deployed'] }),
    'read-mode': oneOf('how our cluster serves getVal: ReadIndex or leader lease', ['index', 'lease'], { default: 'index' }),
  },
});

/** Throws CliUsageError (one line) for anything wrong. */
export function benchOptionsOf({ values: v, given }: Parsed<typeof BENCH_CLI.options>): BenchOptions {
  if (v.endpoints !== undefined && given.has('nodes')) throw new CliUsageError('give either --endpoints or --nodes, not both');
  // 6 + 2 s per workload and client: four clients (two per system) keep a default run near what two took at 10 + 3 s.
  const opts: BenchOptions = {
    nodes: v.endpoints?.length ?? v.nodes,
    endpoints: v.endpoints ?? null,
    basePort: v['base-port'] ?? null,
    seconds: v.seconds,
    warmupSeconds: v['warmup-seconds'] ?? Math.min(2, v.seconds),
    prewarmSeconds: 0,
    concurrency: v.concurrency ?? (v.rates === undefined ? [1, 32, 256] : []),
    rates: v.rates ?? [],
    ops: v.ops,
    kills: v.kills,
    failoverWriters: v['failover-writers'],
    stabilitySeconds: v['stability-seconds'],
    restartEntries: v['restart-entries'],
    compareEtcd: v.compare === 'etcd',
    etcdTimeouts: v['etcd-timeouts'] ?? null,
    jsonFile: v.json,
    htmlFile: v.html ?? null,
    clientThreads: v['client-threads'],
    extraClients: v['extra-clients'] ?? [...EXTRA_CLIENTS],
    phases: v.phases,
    cpuProfDir: v['cpu-prof'] ?? null,
    deadlineSeconds: 0,
    security: 'deployed',
    alsoSecurity: [],
    readMode: v['read-mode'],
  };
  // A quick run (tests, smoke checks) asks for little warm-up and gets a short pre-warm unless it names one.
  opts.prewarmSeconds = v['prewarm-seconds'] ?? (opts.warmupSeconds < 2 ? opts.warmupSeconds : 20);
  const modes = v.security;
  if (new Set(modes).size !== modes.length) throw new CliUsageError('--security lists a mode twice');
  if (modes.length > 1 && opts.endpoints !== null) throw new CliUsageError('--security with several modes starts its own clusters: not with --endpoints');
  [opts.security, ...opts.alsoSecurity] = modes;
  opts.deadlineSeconds = v['deadline-seconds'] ?? defaultDeadlineSeconds(opts);
  return opts;
}

/**
 * "50,300": etcd's --heartbeat-interval and --election-timeout, so failover can be compared at equal timeouts too.
 * etcd itself refuses an election timeout under 5 heartbeats; saying so here gives the one-line error up front.
 */
function parseEtcdTimeouts(raw: string): NonNullable<BenchOptions['etcdTimeouts']> {
  const parts = raw.split(',').map((x) => Number(x.trim()));
  const [hb, el] = parts;
  if (parts.length !== 2 || !Number.isInteger(hb) || !Number.isInteger(el) || hb < 1 || el > 50_000 || el < 5 * hb) {
    throw new Error(`--etcd-timeouts takes HEARTBEAT_MS,ELECTION_MS with election >= 5 x heartbeat (etcd's rule), got ${JSON.stringify(raw.slice(0, 40))}`);
  }
  return { heartbeatMs: hb, electionTimeoutMs: el };
}

/** Twice a rough estimate of the run, plus room for starting clusters and filling the recovery data. */
function defaultDeadlineSeconds(o: BenchOptions): number {
  const perSystem =
    (o.phases.includes('load') ? o.prewarmSeconds + 3 + o.ops.length * (o.concurrency.length + o.rates.length) * (o.seconds + o.warmupSeconds + 2) * (1 + o.extraClients.length / 2) : 0) +
    (o.phases.includes('stability') ? o.stabilitySeconds + 5 : 0) +
    (o.phases.includes('failover') ? o.kills * 10 : 0) +
    30;
  const recovery = o.phases.includes('recovery') ? 60 + o.restartEntries / 10_000 : 0;
  return Math.ceil(2 * (perSystem * (1 + o.alsoSecurity.length + (o.compareEtcd ? 1 : 0)) + recovery) + 60);
}
