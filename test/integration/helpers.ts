// Shared helpers for the real-process integration tests: bounded polling, raw HTTP posts (to send what no proper
// XML-RPC client would), and reading raftlog files.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalCluster, type LocalCluster, type LocalClusterOptions } from '../../src/node/local-cluster.js';
import { findFreePorts } from '../../src/node/ports.js';
import { RpcClient } from '../../src/rpc/client.js';
import type { XmlRpcValue } from '../../src/rpc/values.js';
import { splitHostPort } from '../../src/util/host-port.js';
import { generateClusterSecrets } from '../../src/security/cluster-secrets.js';

/** Polls `check` until it returns a non-undefined value; throws with `what` after timeoutMs (a hang catcher only). */
export async function waitUntil<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface RawResponse {
  status: number;
  body: string;
}

/** POSTs an arbitrary body; resolves with whatever the server answered (or rejects on a dropped connection). */
export function rawPost(port: number, body: string | Buffer, timeoutMs = 10_000, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: '/RPC2', headers: { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export function methodCall(method: string, paramsXml: string): string {
  return `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params>${paramsXml}</params></methodCall>`;
}

export function readRaftlog(nodeDir: string): string {
  const f = join(nodeDir, 'raftlog');
  return existsSync(f) ? readFileSync(f, 'utf8') : '';
}

/** The raftlog's entries as parsed objects (each line one JSON object). */
export function raftlogEntries(nodeDir: string): { index: number; term: number; type: string; tid: string; data: string; key: string }[] {
  return readRaftlog(nodeDir)
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as { index: number; term: number; type: string; tid: string; data: string; key: string });
}

/** One keep-alive client per node, closed together. */
export class Clients {
  private readonly byEndpoint = new Map<string, RpcClient>();

  get(endpoint: string): RpcClient {
    let c = this.byEndpoint.get(endpoint);
    if (c === undefined) {
      const { host, port } = splitHostPort(endpoint);
      c = new RpcClient(host, port, { timeoutMs: 10_000 });
      this.byEndpoint.set(endpoint, c);
    }
    return c;
  }

  call(endpoint: string, method: string, params: XmlRpcValue[] = [], timeoutMs = 10_000): Promise<XmlRpcValue> {
    return this.get(endpoint).call(method, params, timeoutMs);
  }

  closeAll(): void {
    for (const c of this.byEndpoint.values()) c.close();
    this.byEndpoint.clear();
  }
}

/** Secrets for a node started by hand (nodes refuse to start without, unless --insecure): in DATA/secrets, as main expects. */
export function makeNodeSecrets(dataDir: string, members: string[]): void {
  generateClusterSecrets({ members, tls: false, clusterDir: join(dataDir, 'cluster-secrets'), nodeDir: () => join(dataDir, 'secrets') });
}

/** The built node program (dist/src/node/main.js). */
export const NODE_MAIN = fileURLToPath(new URL('../../src/node/main.js', import.meta.url));

export interface NodeRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the node program until it exits by itself: for the cases that must end in an error (bad configuration, port in
 * use, corrupt storage). SIGKILL after timeoutMs is a hang catcher only.
 */
export function runNodeToExit(args: string[], timeoutMs = 15_000): Promise<NodeRun> {
  return runToExit(NODE_MAIN, args, timeoutMs);
}

/** The built run_client (dist/src/client/cli.js). */
export const CLIENT_CLI = fileURLToPath(new URL('../../src/client/cli.js', import.meta.url));

/** Runs a built program of ours (node SCRIPT ARGS) to its exit, collecting its output; SIGKILL after timeoutMs. */
export function runToExit(script: string, args: string[], timeoutMs = 15_000): Promise<NodeRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * A local cluster for a test in a fresh temporary folder on free ports, with the timings the integration tests share:
 * an election timeout of 300 ms (twice the default, so a 2-core machine busy with other work does not cause spurious
 * elections) and 50 ms heartbeats. `overrides` go on top.
 */
export async function startTestCluster(prefix: string, nodes: number, overrides: Partial<LocalClusterOptions> = {}): Promise<{ dir: string; cluster: LocalCluster }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const cluster = await startLocalCluster({
    nodes,
    ports: await findFreePorts(nodes),
    dataDir: dir,
    electionTimeoutMs: 300,
    heartbeatMs: 50,
    logLevel: 'warn',
    ...overrides,
  });
  return { dir, cluster };
}
