// The dashboard's HTTP server: the page (three embedded assets, nothing fetched from elsewhere), a Server-Sent Events
// stream of what the watcher sees, and a small JSON API for the page's controls. Loopback by default. Requests are
// hostile by default: bounded bodies, checked fields, and a same-origin check on every POST so that another web page
// open in the same browser cannot drive the cluster.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { RaftClient } from '../client/raft-client.js';
import type { ClusterCredentials } from '../security/cluster-secrets.js';
import { credentialOptions } from '../security/client-credentials.js';
import { RpcFaultError } from '../rpc/errors.js';
import { APP_CSS, APP_JS, INDEX_HTML } from './assets.js';
import { NodeCaller } from './node-calls.js';
import { ClusterWatcher, type ClusterEvent } from './watcher.js';
import type { NodeView } from './node-view.js';

/** What `npm run cluster` can do to its own processes; absent for a cluster the dashboard does not own. */
export interface ProcessControl {
  kill(id: string): Promise<void>;
  restart(id: string): Promise<void>;
  running(id: string): boolean;
}

export interface DashboardOptions {
  nodes: string[];
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  processes?: ProcessControl;
  /** Where the targets came from, shown on the page. */
  source?: string;
  /** The cluster's tokens and CA: node calls carry the admin token (controls are admin calls), page writes the client's. */
  credentials?: ClusterCredentials;
}

export interface Dashboard {
  url: string;
  port: number;
  watcher: ClusterWatcher;
  close(): Promise<void>;
}

const MAX_BODY = 4096;
const MAX_CLIENTS = 32;
const MAX_SECONDS = 3600;
const OP_DEADLINE_MS = 5000;
/** A page that stops reading (or a hostile client) is dropped once this much is queued for it, not buffered forever. */
const MAX_STREAM_BACKLOG = 1 << 20;

class BadRequest extends Error {
  constructor(msg: string, readonly status = 400) {
    super(msg);
  }
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
  });
  res.end(body);
}

const json = (res: ServerResponse, status: number, v: unknown): void => send(res, status, 'application/json', JSON.stringify(v));

function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        // Answer first, then drop the connection (the rest of the body is never read).
        req.removeAllListeners('data');
        req.pause();
        reject(new BadRequest(`body larger than ${MAX_BODY} bytes`, 413));
        return;
      }
      chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      try {
        const v: unknown = chunks.length === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BadRequest('body must be a JSON object');
        resolve(v as Record<string, unknown>);
      } catch (err) {
        reject(err instanceof BadRequest ? err : new BadRequest('body is not valid JSON'));
      }
    });
  });
}

function str(body: Record<string, unknown>, k: string, max: number): string {
  const v = body[k];
  if (typeof v !== 'string' || v.length > max) throw new BadRequest(`${k} must be a string of at most ${max} characters`);
  return v;
}

function seconds(body: Record<string, unknown>): number {
  const v = body.seconds;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_SECONDS) throw new BadRequest(`seconds must be an integer in 1..${MAX_SECONDS}`);
  return v;
}

/** A POST must come from this page: browsers send Origin on cross-site POSTs, and a JSON content type needs CORS. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host ?? ''}`) return false;
  return (req.headers['content-type'] ?? '').startsWith('application/json');
}

function errText(err: unknown): string {
  if (err instanceof RpcFaultError) return err.faultString.split('\n')[0].slice(0, 300);
  return (err instanceof Error ? err.message : String(err)).split('\n')[0].slice(0, 300);
}

export async function startDashboard(opts: DashboardOptions): Promise<Dashboard> {
  const host = opts.host ?? '127.0.0.1';
  const caller = new NodeCaller(opts.nodes, credentialOptions(opts.credentials ?? {}, true));
  const procs = opts.processes;
  const watcher = new ClusterWatcher(opts.nodes, caller, procs ? (id) => procs.running(id) : undefined);
  const client = new RaftClient(opts.nodes, { timeoutMs: 1000, deadlineMs: OP_DEADLINE_MS, maxSocketsPerNode: 4, credentials: opts.credentials });
  const streams = new Set<ServerResponse>();
  /** Per node: a kill or restart under way (a second click must not start a second process). */
  const busy = new Set<string>();

  const push = (type: string, data: unknown): void => {
    const frame = `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const s of streams) {
      if (s.writableLength > MAX_STREAM_BACKLOG) {
        streams.delete(s);
        s.destroy();
      } else {
        s.write(frame);
      }
    }
  };
  watcher.subscribe({
    node: (v: NodeView) => push('node', v),
    event: (ev: ClusterEvent) => push('event', ev),
    sample: (s) => push('sample', s),
  });

  const config = {
    nodes: opts.nodes,
    source: opts.source ?? '',
    controls: { kill: procs !== undefined, restart: procs !== undefined, suspend: true, isolate: true, campaign: true, transfer: false },
    maxSeconds: MAX_SECONDS,
  };

  const openStream = (req: IncomingMessage, res: ServerResponse): void => {
    if (streams.size >= MAX_CLIENTS) {
      json(res, 503, { error: `at most ${MAX_CLIENTS} pages at once` });
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    res.write(`retry: 1000\nevent: snapshot\ndata: ${JSON.stringify({
      t: Date.now(), config, nodes: [...watcher.views.values()], history: watcher.history, events: watcher.events,
    })}\n\n`);
    streams.add(res);
    req.on('close', () => streams.delete(res));
  };

  const nodeAction = async (id: string, action: string, body: Record<string, unknown>): Promise<unknown> => {
    if (!opts.nodes.includes(id)) throw new BadRequest(`${id.slice(0, 80)} is not a watched node`);
    switch (action) {
      case 'suspend': {
        const s = seconds(body);
        await caller.call(id, 'suspend', [s], 2000);
        watcher.noteSuspended(id, s);
        watcher.emitEvent('control', id, `suspend ${id} for ${s} s`);
        return true;
      }
      case 'isolate': {
        const s = seconds(body);
        const peers = body.peers;
        if (!Array.isArray(peers) || peers.length > opts.nodes.length || !peers.every((p) => typeof p === 'string' && opts.nodes.includes(p) && p !== id)) {
          throw new BadRequest('peers must be a list of the other watched nodes');
        }
        await caller.call(id, 'isolate', [peers as string[], s], 2000);
        watcher.emitEvent('control', id, `isolate ${id} from ${peers.length === opts.nodes.length - 1 ? 'all peers' : peers.join(', ')} for ${s} s`);
        return true;
      }
      case 'campaign': {
        const role = await caller.call(id, 'campaign', [], 2000);
        watcher.emitEvent('control', id, `campaign on ${id}: now ${String(role)}`);
        return role;
      }
      case 'kill':
      case 'restart': {
        if (procs === undefined) throw new BadRequest(`${action} needs a dashboard started by npm run cluster (it owns the processes)`);
        if (busy.has(id)) throw new BadRequest(`a kill or restart of ${id} is already under way`);
        if (action === 'restart' && procs.running(id)) throw new BadRequest(`${id} is running`);
        busy.add(id);
        try {
          watcher.emitEvent('control', id, `${action === 'kill' ? 'kill -9' : 'restart'} ${id}`);
          await (action === 'kill' ? procs.kill(id) : procs.restart(id));
        } finally {
          busy.delete(id);
        }
        return true;
      }
      default:
        throw new BadRequest(`unknown action ${action.slice(0, 40)}`);
    }
  };

  const clientOp = async (body: Record<string, unknown>): Promise<unknown> => {
    const op = body.op;
    const t0 = performance.now();
    let result: unknown;
    let text: string;
    if (op === 'add') {
      const data = str(body, 'data', 1000);
      const r = await client.addEntry(data, `dash-${randomUUID()}`);
      result = r.ok;
      text = `add ${JSON.stringify(data)}: ${r.ok ? 'committed' : 'not committed'}`;
    } else if (op === 'set') {
      const key = str(body, 'key', 200);
      const value = str(body, 'value', 1000);
      result = await client.setVal(key, value, `dash-${randomUUID()}`);
      text = `set ${key}=${value}: ${result ? 'committed' : 'not committed'}`;
    } else if (op === 'get') {
      const key = str(body, 'key', 200);
      result = await client.getVal(key);
      text = `get ${key} = ${JSON.stringify(result)}`;
    } else {
      throw new BadRequest('op must be add, set or get');
    }
    const ms = Math.round((performance.now() - t0) * 10) / 10;
    watcher.emitEvent('op', client.knownLeader() ?? '', `${text} (${ms} ms)`);
    return { result, ms, leader: client.knownLeader() };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const path = url.pathname;
    if (req.method === 'GET') {
      if (path === '/' || path === '/index.html') return send(res, 200, 'text/html; charset=utf-8', INDEX_HTML);
      if (path === '/app.js') return send(res, 200, 'text/javascript; charset=utf-8', APP_JS);
      if (path === '/app.css') return send(res, 200, 'text/css; charset=utf-8', APP_CSS);
      if (path === '/events') return openStream(req, res);
      if (path === '/api/state') return json(res, 200, { config, nodes: [...watcher.views.values()], events: watcher.events });
      return json(res, 404, { error: 'not found' });
    }
    if (req.method !== 'POST') return json(res, 405, { error: 'GET or POST only' });
    if (!sameOrigin(req)) return json(res, 403, { error: 'POST from another origin or without a JSON body refused' });
    try {
      const body = await readBody(req);
      if (path === '/api/op') return json(res, 200, await clientOp(body));
      const m = /^\/api\/node\/([^/]{1,300})\/([a-z]{1,20})$/.exec(path);
      if (m) return json(res, 200, { result: await nodeAction(decodeURIComponent(m[1]), m[2], body) });
      return json(res, 404, { error: 'not found' });
    } catch (err) {
      if (err instanceof BadRequest) {
        if (err.status === 413) {
          res.setHeader('Connection', 'close');
          res.on('finish', () => req.destroy());
        }
        return json(res, err.status, { error: err.message });
      }
      const msg = errText(err);
      watcher.emitEvent('error', '', `${path.slice(0, 100)}: ${msg}`);
      return json(res, 502, { error: msg });
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) json(res, 500, { error: errText(err) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: opts.port ?? 0 }, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  watcher.start();
  // SSE comments keep idle streams from being cut by proxies and tell the page the server is alive.
  const keepAlive = setInterval(() => {
    for (const s of streams) s.write(': ping\n\n');
  }, 15_000);
  keepAlive.unref();

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    port,
    watcher,
    async close() {
      clearInterval(keepAlive);
      for (const s of streams) s.end();
      streams.clear();
      await watcher.stop();
      client.close();
      caller.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
