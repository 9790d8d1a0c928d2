// Runs one task on every host in parallel. Each host gets its own connection, its own time bound and its own result;
// one failing or unreachable host never stops the others. The caller prints a result line per host and exits non-zero
// naming every host that failed.
import type { NodeSSH } from 'node-ssh';
import { connectHost } from './connect.js';
import type { Inventory, InventoryHost } from './inventory.js';
import { makeProgress } from './progress.js';

export interface RemoteResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

export class RemoteCommandError extends Error {}

/** The file transfers tasks use (a NodeSSH in production; tests pass a local stand-in). */
export type RemoteFiles = Pick<NodeSSH, 'putFile' | 'getFile'>;

export interface HostContext {
  host: InventoryHost;
  inv: Inventory;
  ssh: RemoteFiles;
  progress(state: string): void;
  /** Runs a shell command (built with shell-quote.ts); throws RemoteCommandError unless it exits 0. */
  run(command: string, stdin?: string): Promise<RemoteResult>;
  /** Same, but returns a non-zero exit instead of throwing. */
  tryRun(command: string, stdin?: string): Promise<RemoteResult>;
}

type Exec = (command: string, stdin?: string) => Promise<RemoteResult>;

/** HostContext.run from tryRun: a non-zero exit becomes a RemoteCommandError with the last lines the command printed. */
export function throwingRun(tryRun: Exec): Exec {
  return async (command, stdin) => {
    const r = await tryRun(command, stdin);
    if (r.code !== 0) {
      const detail = (r.stderr || r.stdout).trim().split('\n').slice(-2).join(' | ');
      throw new RemoteCommandError(`remote command failed (exit ${r.code}): ${detail || command}`);
    }
    return r;
  };
}

export interface HostOutcome<T> {
  host: InventoryHost;
  ok: boolean;
  /** What the task returned (ok) or the error message (failed). */
  message: string;
  value?: T;
  ms: number;
}

export interface RunOptions {
  connectTimeoutMs: number;
  /** Bound on everything one host does, connection included: a hung machine cannot hang the task. */
  hostTimeoutMs: number;
}

export type HostWork<T> = (ctx: HostContext) => Promise<{ message: string; value?: T }>;

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${Math.round(ms / 1000)} s; gave up`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function runOne<T>(task: string, inv: Inventory, host: InventoryHost, work: HostWork<T>, opts: RunOptions,
  progress: (s: string) => void): Promise<HostOutcome<T>> {
  const started = Date.now();
  // Held outside `attempt` so the connection is closed even when the time bound gives up on the attempt.
  const held: { ssh: NodeSSH | null } = { ssh: null };
  const attempt = async (): Promise<{ message: string; value?: T }> => {
    progress('connecting');
    const conn = await connectHost(host, opts.connectTimeoutMs);
    held.ssh = conn;
    const tryRun = async (command: string, stdin?: string): Promise<RemoteResult> => {
      const r = await conn.execCommand(command, stdin === undefined ? {} : { stdin });
      return { stdout: r.stdout, stderr: r.stderr, code: r.code };
    };
    return work({ host, inv, ssh: conn, progress, run: throwingRun(tryRun), tryRun });
  };
  try {
    const r = await withTimeout(attempt(), opts.hostTimeoutMs, `${task} on ${host.name}`);
    return { host, ok: true, message: r.message, value: r.value, ms: Date.now() - started };
  } catch (err) {
    const msg = (err as Error).message;
    // Messages from connect already start with the host name; keep one copy.
    return { host, ok: false, message: msg.startsWith(`${host.name}: `) ? msg.slice(host.name.length + 2) : msg, ms: Date.now() - started };
  } finally {
    held.ssh?.dispose();
  }
}

export async function runOnHosts<T>(task: string, inv: Inventory, work: HostWork<T>, opts: RunOptions): Promise<HostOutcome<T>[]> {
  const progress = makeProgress(task, inv.hosts.map((h) => h.name));
  const outcomes = await Promise.all(
    inv.hosts.map((h) =>
      runOne(task, inv, h, work, opts, (s) => progress.update(h.name, s)).then((o) => {
        progress.update(h.name, o.ok ? 'done' : 'FAILED');
        return o;
      }),
    ),
  );
  progress.stop();
  return outcomes;
}

/** The result lines and the exit code: 0 when every host succeeded, 1 naming the failed ones otherwise. */
export function report<T>(task: string, outcomes: HostOutcome<T>[], print: (s: string) => void = console.log): number {
  const width = Math.max(...outcomes.map((o) => o.host.name.length));
  for (const o of outcomes) {
    print(`${o.ok ? 'ok    ' : 'FAILED'} ${o.host.name.padEnd(width)}  ${o.message}  (${(o.ms / 1000).toFixed(1)} s)`);
  }
  const failed = outcomes.filter((o) => !o.ok).map((o) => o.host.name);
  if (failed.length > 0) {
    print(`${task}: failed on ${failed.length} of ${outcomes.length} host(s): ${failed.join(', ')}`);
    return 1;
  }
  print(`${task}: ok on all ${outcomes.length} host(s)`);
  return 0;
}
