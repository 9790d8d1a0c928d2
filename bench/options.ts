// `npm run bench -- [options]`: what to run and against what. Every problem is a one-line message and exit code 2.
import { readFlags } from '../src/node/args.js';
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
  concurrency: number[];
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

export class UsageError extends Error {}

export const USAGE = `usage: npm run bench -- [--nodes N] [--endpoints host:port,...] [--base-port P] [--seconds S] [--warmup-seconds S]
  [--concurrency 1,32,256] [--ops add,set,get] [--kills N] [--stability-seconds S] [--restart-entries N]
  [--compare etcd] [--etcd-timeouts HEARTBEAT_MS,ELECTION_MS] [--json FILE] [--html FILE] [--client-threads N]
  [--extra-clients raft-xmlrpc,etcd-grpc|none] [--phases load,stability,failover,recovery] [--cpu-prof DIR] [--deadline-seconds S]
  [--security deployed|deployed-peertls|local|insecure[,...]] [--read-mode index|lease]`;

const KNOWN = [
  'nodes', 'endpoints', 'base-port', 'seconds', 'warmup-seconds', 'concurrency', 'ops', 'kills', 'failover-writers',
  'stability-seconds', 'restart-entries', 'compare', 'etcd-timeouts', 'json', 'html', 'client-threads', 'extra-clients', 'phases', 'cpu-prof', 'deadline-seconds',
  'security', 'read-mode',
];
const OPS: readonly OpKind[] = ['add', 'set', 'get'];
const PHASES: readonly Phase[] = ['load', 'stability', 'failover', 'recovery'];

function num(f: Map<string, string>, name: string, fallback: number, min: number, max: number): number {
  const raw = f.get(name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || v > max) throw new UsageError(`--${name} must be a number in ${min}..${max}, got "${raw}"`);
  return v;
}

function list<T extends string>(f: Map<string, string>, name: string, allowed: readonly T[], fallback: T[]): T[] {
  const raw = f.get(name);
  if (raw === undefined) return fallback;
  const items = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = items.find((s) => !allowed.includes(s as T));
  if (bad !== undefined || items.length === 0) throw new UsageError(`--${name} takes a comma-separated list of ${allowed.join(', ')}`);
  return items as T[];
}

export function parseBenchOptions(argv: string[]): BenchOptions {
  let f: Map<string, string>;
  try {
    f = readFlags(argv, KNOWN);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const compare = f.get('compare');
  if (compare !== undefined && compare !== 'etcd') throw new UsageError(`--compare takes "etcd", got "${compare}"`);
  const concurrency = (f.get('concurrency') ?? '1,32,256').split(',').map((s) => Number(s.trim()));
  if (concurrency.length === 0 || concurrency.some((c) => !Number.isInteger(c) || c < 1 || c > 4096)) {
    throw new UsageError('--concurrency takes a comma-separated list of whole numbers in 1..4096');
  }
  const endpoints = f.has('endpoints') ? f.get('endpoints')!.split(',').map((s) => s.trim()).filter((s) => s !== '') : null;
  if (endpoints !== null && (endpoints.length === 0 || endpoints.some((e) => !isHostPort(e)))) {
    throw new UsageError('--endpoints takes host:port,host:port,... (IPv6 as [::1]:port)');
  }
  if (endpoints !== null && f.has('nodes')) throw new UsageError('give either --endpoints or --nodes, not both');
  // 6 + 2 s per workload and client: four clients (two per system) keep a default run near what two took at 10 + 3 s.
  const seconds = num(f, 'seconds', 6, 0.2, 3600);
  const opts: BenchOptions = {
    nodes: endpoints?.length ?? num(f, 'nodes', 3, 1, 15),
    endpoints,
    basePort: f.has('base-port') ? num(f, 'base-port', 0, 1, 65000) : null,
    seconds,
    warmupSeconds: num(f, 'warmup-seconds', Math.min(2, seconds), 0, 3600),
    concurrency,
    ops: list(f, 'ops', OPS, ['add', 'set', 'get']),
    kills: num(f, 'kills', 5, 0, 100),
    failoverWriters: num(f, 'failover-writers', 4, 1, 64),
    stabilitySeconds: num(f, 'stability-seconds', 60, 0, 3600),
    restartEntries: num(f, 'restart-entries', 1_000_000, 0, 20_000_000),
    compareEtcd: compare === 'etcd',
    etcdTimeouts: parseEtcdTimeouts(f.get('etcd-timeouts')),
    jsonFile: f.get('json') ?? 'bench-results.json',
    htmlFile: f.get('html') ?? null,
    clientThreads: num(f, 'client-threads', 0, 0, 16),
    extraClients: f.get('extra-clients') === 'none' ? [] : list(f, 'extra-clients', EXTRA_CLIENTS, [...EXTRA_CLIENTS]),
    phases: list(f, 'phases', PHASES, [...PHASES]),
    cpuProfDir: f.get('cpu-prof') ?? null,
    deadlineSeconds: 0,
    security: 'deployed',
    alsoSecurity: [],
    readMode: readModeOf(f.get('read-mode')),
  };
  const modes = list(f, 'security', SECURITY_MODES, ['deployed']);
  if (new Set(modes).size !== modes.length) throw new UsageError('--security lists a mode twice');
  if (modes.length > 1 && opts.endpoints !== null) throw new UsageError('--security with several modes starts its own clusters: not with --endpoints');
  [opts.security, ...opts.alsoSecurity] = modes;
  opts.deadlineSeconds = num(f, 'deadline-seconds', defaultDeadlineSeconds(opts), 5, 86_400);
  return opts;
}

/**
 * "50,300": etcd's --heartbeat-interval and --election-timeout, so failover can be compared at equal timeouts too.
 * etcd itself refuses an election timeout under 5 heartbeats; saying so here gives the one-line error up front.
 */
function parseEtcdTimeouts(raw: string | undefined): BenchOptions['etcdTimeouts'] {
  if (raw === undefined) return null;
  const parts = raw.split(',').map((x) => Number(x.trim()));
  const [hb, el] = parts;
  if (parts.length !== 2 || !Number.isInteger(hb) || !Number.isInteger(el) || hb < 1 || el > 50_000 || el < 5 * hb) {
    throw new UsageError(`--etcd-timeouts takes HEARTBEAT_MS,ELECTION_MS with election >= 5 x heartbeat (etcd's rule), got "${raw}"`);
  }
  return { heartbeatMs: hb, electionTimeoutMs: el };
}

function readModeOf(raw: string | undefined): BenchOptions['readMode'] {
  if (raw === undefined || raw === 'index' || raw === 'lease') return raw ?? 'index';
  throw new UsageError(`--read-mode takes index or lease, got "${raw}"`);
}


/** Twice a rough estimate of the run, plus room for starting clusters and filling the recovery data. */
function defaultDeadlineSeconds(o: BenchOptions): number {
  const perSystem =
    (o.phases.includes('load') ? o.ops.length * o.concurrency.length * (o.seconds + o.warmupSeconds + 2) * (1 + o.extraClients.length / 2) : 0) +
    (o.phases.includes('stability') ? o.stabilitySeconds + 5 : 0) +
    (o.phases.includes('failover') ? o.kills * 10 : 0) +
    30;
  const recovery = o.phases.includes('recovery') ? 60 + o.restartEntries / 10_000 : 0;
  return Math.ceil(2 * (perSystem * (1 + o.alsoSecurity.length + (o.compareEtcd ? 1 : 0)) + recovery) + 60);
}
