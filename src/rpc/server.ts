// The XML-RPC server every node runs: its own http.Server (keep-alive, any request path) so that it can bound request
// bodies, turn every kind of bad input into a fault or an HTTP 4xx, and go silent on demand (suspend).
// A caller never hangs because of bad input, and a throwing handler never takes the process down.
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Logger } from '../util/logger.js';
import { FaultCode, RpcFault, type XmlRpcValue } from './values.js';
import { MalformedXmlRpcError, decodeCall, encodeFault, encodeResponse } from './wire.js';

export { RpcFault, FaultCode } from './values.js';

/** What a handler may learn or note about the call it serves. */
export interface RpcCallContext {
  /**
   * Labels the connection this call came on with its sender (e.g. a Raft leader's id). When every connection carrying
   * one label has been closed by the remote end, the server calls RpcServerOptions.onSenderGone with that label.
   */
  tagSender(sender: string): void;
}

export type RpcHandler = (params: XmlRpcValue[], call: RpcCallContext) => Promise<XmlRpcValue>;

export interface RpcServerOptions {
  host: string;
  /** 0 picks a free port; the chosen one is in RpcServer.port. */
  port: number;
  /** Request bodies larger than this get HTTP 413 and the connection is closed without reading the rest. */
  maxBodyBytes: number;
  logger: Logger;
  handlers: Record<string, RpcHandler>;
  /**
   * Every connection tagged with `sender` was closed by the other side (FIN or reset), not by this server. A process
   * killed outright has the kernel close all its sockets at once, so this is an early sign that the sender died.
   */
  onSenderGone?: (sender: string) => void;
  /**
   * Runs after a call is parsed and before its handler: a fault refuses the call (the handler never runs). Absent:
   * every call is served (src/security/authenticator.ts makes the node's).
   */
  authenticate?: (req: http.IncomingMessage, method: string, params: XmlRpcValue[], body: string) => { principal: string } | { fault: RpcFault };
  /** Serve HTTPS with this key and certificate (PEM) instead of plain HTTP. */
  tls?: { key: string; cert: string };
}

export interface RpcServer {
  port: number;
  close(): Promise<void>;
  /** While paused the server holds no conversation: every connection is destroyed without a reply. */
  setPaused(p: boolean): void;
  /** Connections accepted since start and open now (tests use it to check that clients reuse connections). */
  stats(): { accepted: number; open: number };
}

/** Idle keep-alive sockets live longer than a client's pool keeps them, so the client side closes first (no races). */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** Bounds a request that trickles in (slowloris); generous because a loaded machine may be slow. */
const REQUEST_TIMEOUT_MS = 60_000;
/** After close(), requests still running get this long to answer before their sockets are destroyed. */
const CLOSE_GRACE_MS = 2_000;
/** After a 413 the socket is half-closed so the client reads the reply; it is destroyed after this delay. */
const REJECT_LINGER_MS = 1_000;

export function startRpcServer(opts: RpcServerOptions): Promise<RpcServer> {
  const sockets = new Set<Socket>();
  const senders = new SenderConnections((sender) => {
    if (!paused && !closing) opts.onSenderGone?.(sender);
  });
  let paused = false;
  let closing = false;
  let accepted = 0;

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (paused) {
      req.socket.destroy();
      return;
    }
    void serveRequest(req, res);
  };
  const server = opts.tls
    ? https.createServer({ keepAlive: true, key: opts.tls.key, cert: opts.tls.cert }, onRequest)
    : http.createServer({ keepAlive: true }, onRequest);
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = REQUEST_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;

  // Under TLS the socket requests arrive on (req.socket) is the TLS one, made once the handshake is done.
  server.on(opts.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    if (paused) {
      socket.destroy();
      return;
    }
    accepted++;
    sockets.add(socket);
    // 'end' is the peer's FIN; an 'error' before 'close' is a reset. Either way the other side closed it.
    let closedByPeer = false;
    socket.on('end', () => {
      closedByPeer = true;
    });
    socket.on('close', (hadError: boolean) => {
      sockets.delete(socket);
      senders.closed(socket, closedByPeer || hadError);
    });
  });
  // A malformed HTTP request: answer 400 if the socket can still carry it, never throw.
  server.on('clientError', (err: Error, socket: Socket) => {
    if (socket.writable && !paused) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
    opts.logger.debug(`rpc: bad HTTP request: ${err.message}`);
  });

  function refuse(req: http.IncomingMessage, res: http.ServerResponse, status: number, text: string): void {
    // Stop reading: whatever else the client sends is not worth receiving (an oversize body in particular).
    req.pause();
    res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text), Connection: 'close' });
    res.end(text, () => {
      // Half-close rather than destroy: destroying with unread input would send a RST that can discard our reply.
      const socket = req.socket;
      socket.end();
      setTimeout(() => socket.destroy(), REJECT_LINGER_MS).unref();
    });
  }

  function reply(req: http.IncomingMessage, res: http.ServerResponse, xml: string): void {
    // Paused meanwhile (suspend): the caller must see silence, not an answer.
    if (paused || req.socket.destroyed) {
      req.socket.destroy();
      return;
    }
    const headers: http.OutgoingHttpHeaders = { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(xml) };
    if (closing) headers.Connection = 'close';
    res.writeHead(200, headers);
    res.end(xml);
  }

  async function serveRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method !== 'POST') return refuse(req, res, 405, 'XML-RPC takes POST requests only\n');
    const type = req.headers['content-type'];
    if (type !== undefined && !/xml/i.test(type)) return refuse(req, res, 415, `XML-RPC needs an XML body, got ${type}\n`);
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > opts.maxBodyBytes) return refuse(req, res, 413, `body larger than ${opts.maxBodyBytes} bytes\n`);

    const body = await readBody(req, opts.maxBodyBytes);
    if (body === 'too-large') return refuse(req, res, 413, `body larger than ${opts.maxBodyBytes} bytes\n`);
    if (body === 'aborted') return;

    let method = '';
    try {
      const call = await decodeCall(body);
      method = call.method;
      const handler = Object.hasOwn(opts.handlers, method) ? opts.handlers[method] : undefined;
      if (handler === undefined) throw new RpcFault(FaultCode.unknownMethod, `unknown method '${method}'`);
      const auth = opts.authenticate?.(req, method, call.params, body);
      if (auth !== undefined && 'fault' in auth) throw auth.fault;
      const result = await handler(call.params, { tagSender: (sender) => senders.tag(req.socket, sender) });
      reply(req, res, encodeResponse(result));
    } catch (err) {
      reply(req, res, faultXml(method, err, opts.logger));
    }
  }

  return new Promise((resolve, fail) => {
    server.once('error', fail);
    server.listen(opts.port, opts.host, () => {
      server.off('error', fail);
      server.on('error', (err) => opts.logger.error(`rpc server: ${err.message}`));
      const addr = server.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : opts.port;
      resolve({
        port,
        setPaused(p: boolean): void {
          paused = p;
          if (p) for (const s of sockets) s.destroy();
        },
        stats: () => ({ accepted, open: sockets.size }),
        close(): Promise<void> {
          closing = true;
          return new Promise((done) => {
            server.close(() => done());
            server.closeIdleConnections();
            setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS).unref();
          });
        },
      });
    });
  });
}

/** Which open connections carry which sender's calls, to notice when a sender's last one is closed from its end. */
class SenderConnections {
  private readonly senderOf = new WeakMap<Socket, string>();
  private readonly open = new Map<string, Set<Socket>>();

  constructor(private readonly onGone: (sender: string) => void) {}

  tag(socket: Socket, sender: string): void {
    if (socket.destroyed || this.senderOf.get(socket) === sender) return;
    this.untag(socket);
    this.senderOf.set(socket, sender);
    let set = this.open.get(sender);
    if (set === undefined) this.open.set(sender, (set = new Set()));
    set.add(socket);
  }

  closed(socket: Socket, byPeer: boolean): void {
    const sender = this.untag(socket);
    if (sender !== undefined && byPeer && !this.open.has(sender)) this.onGone(sender);
  }

  private untag(socket: Socket): string | undefined {
    const sender = this.senderOf.get(socket);
    if (sender === undefined) return undefined;
    this.senderOf.delete(socket);
    const set = this.open.get(sender);
    set?.delete(socket);
    if (set !== undefined && set.size === 0) this.open.delete(sender);
    return sender;
  }
}

/** Reads the whole body, or gives up as soon as it passes maxBytes. */
function readBody(req: http.IncomingMessage, maxBytes: number): Promise<string | 'too-large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (r: string | 'too-large' | 'aborted'): void => {
      if (done) return;
      done = true;
      req.off('data', onData);
      resolve(r);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) finish('too-large');
      else chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => finish(Buffer.concat(chunks, size).toString('utf8')));
    req.on('error', () => finish('aborted'));
    req.on('close', () => finish('aborted'));
  });
}

/** Any failure becomes a fault: RpcFault as given, malformed input as a parse error, anything else as internal. */
function faultXml(method: string, err: unknown, logger: Logger): string {
  if (err instanceof RpcFault) return encodeFault(err.code, err.message);
  if (err instanceof MalformedXmlRpcError) return encodeFault(FaultCode.parseError, err.message);
  const msg = err instanceof Error ? err.message : String(err);
  logger.warn(`rpc: handler ${method} failed: ${msg}`);
  return encodeFault(FaultCode.internalError, `${method}: internal error: ${msg}`);
}
