// A fault-injecting proxy in front of one node. Every node's id (the address in the cluster configuration) is its
// proxy; the node itself listens on another loopback address (`--listen`). The proxy forwards XML-RPC over HTTP and
// reads who is calling from the request itself (appendEntriesRPC's leaderId, requestVotesRPC's candidateId), so it can
// cut individual directed links: a request on a blocked link is swallowed (the caller times out, as behind a
// firewall dropping packets), and a reply on a blocked return link is swallowed the same way. Calls that name no
// sender (client calls, and addEntry forwarded by a follower) count as coming from "client" and are never cut.
import http from 'node:http';
import { splitHostPort } from '../util/host-port.js';

export interface LinkPolicy {
  isBlocked(from: string, to: string): boolean;
}

export interface ProxyStats {
  forwarded: number;
  requestsSwallowed: number;
  repliesSwallowed: number;
  upstreamErrors: number;
}

export interface ProxyOptions {
  /** The node id this proxy stands for ("host:port"); it listens there. */
  nodeId: string;
  targetHost: string;
  targetPort: number;
  policy: LinkPolicy;
  /** A swallowed call's connection is destroyed after this long if the caller has not given up by then. */
  blackholeMs?: number;
}

export const CLIENT = 'client';
const PEER_METHODS = new Set(['appendEntriesRPC', 'requestVotesRPC', 'requestVoteRPC']);
const MAX_BODY = 64 << 20;

/** The calling node's id for peer RPCs (their second parameter), or CLIENT for everything else. */
export function senderOf(xml: string): string {
  const method = /<methodName>\s*([^<\s]+)\s*<\/methodName>/.exec(xml);
  if (!method || !PEER_METHODS.has(method[1])) return CLIENT;
  const params = xml.split(/<param>/).slice(1);
  if (params.length < 2) return CLIENT;
  const v = /<value>\s*(?:<string>([^<]*)<\/string>|([^<]*))\s*<\/value>/.exec(params[1]);
  const text = (v?.[1] ?? v?.[2] ?? '').trim();
  return text === '' ? CLIENT : text;
}

export class PartitionProxy {
  readonly stats: ProxyStats = { forwarded: 0, requestsSwallowed: 0, repliesSwallowed: 0, upstreamErrors: 0 };
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  private readonly held = new Set<http.ServerResponse>();

  private constructor(
    private readonly server: http.Server,
    private readonly opts: ProxyOptions,
  ) {}

  static start(opts: ProxyOptions): Promise<PartitionProxy> {
    const { host, port } = splitHostPort(opts.nodeId, 'proxy node id');
    const server = http.createServer();
    const proxy = new PartitionProxy(server, opts);
    server.on('request', (req, res) => proxy.handle(req, res));
    server.keepAliveTimeout = 30_000;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, exclusive: true }, () => resolve(proxy));
    });
  }

  /** Stops listening and drops every connection, held ones included. */
  close(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.held.clear();
    this.agent.destroy();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const from = senderOf(body.toString('utf8'));
      const to = this.opts.nodeId;
      if (this.opts.policy.isBlocked(from, to)) {
        this.stats.requestsSwallowed++;
        this.swallow(res);
        return;
      }
      const headers = { ...req.headers };
      delete headers.connection;
      const up = http.request(
        { host: this.opts.targetHost, port: this.opts.targetPort, method: req.method, path: req.url, headers, agent: this.agent },
        (ures) => {
          const rchunks: Buffer[] = [];
          ures.on('data', (c: Buffer) => rchunks.push(c));
          ures.on('end', () => {
            if (this.opts.policy.isBlocked(to, from)) {
              this.stats.repliesSwallowed++;
              this.swallow(res);
              return;
            }
            this.stats.forwarded++;
            const rheaders = { ...ures.headers };
            delete rheaders.connection;
            res.writeHead(ures.statusCode ?? 502, rheaders);
            res.end(Buffer.concat(rchunks));
          });
          ures.on('error', () => res.destroy());
        },
      );
      // The node is down (refused) or its connection broke: the caller sees its connection drop, as it would
      // talking to the node directly.
      up.on('error', () => {
        this.stats.upstreamErrors++;
        res.destroy();
      });
      // A caller that gives up (timeout) should not leave a request pending on a paused node forever.
      res.on('close', () => {
        if (!res.writableFinished) up.destroy();
      });
      up.end(body);
    });
  }

  /** Never answer; the caller's own timeout is what it would hit behind a dropping firewall. */
  private swallow(res: http.ServerResponse): void {
    this.held.add(res);
    const timer = setTimeout(() => res.destroy(), this.opts.blackholeMs ?? 20_000);
    res.on('close', () => {
      clearTimeout(timer);
      this.held.delete(res);
    });
  }
}
