// The XML-RPC server every node runs: its own http.Server (keep-alive, any request path) so that it can bound request
// bodies, turn every kind of bad input into a fault or an HTTP 4xx, and go silent on demand (suspend).
// A caller never hangs because of bad input, and a throwing handler never takes the process down.
import http from 'node:http';
import https from 'node:https';
import net, { type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../util/logger.js';
import { ConnectionGuard } from './connection-guard.js';
import { routeByFirstByte } from './tls-sniff.js';
import { FaultCode, RpcFault, type XmlRpcValue } from './values.js';
import { FAULT } from '../protocol/faults.js';
import { MalformedXmlRpcError, decodeCall, encodeFault, encodeResponse } from './wire.js';
import { findUnencodable, findUnencodableParam, printable } from './xml-text.js';
import { MULTICALL, multicallFault, multicallValue, parseMulticall } from './multicall.js';

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
  /** Methods only peers call: their connections are never closed for clients' and their calls are never shed. */
  peerMethods?: ReadonlySet<string>;
  /** Cap on open connections; 0 or absent = half the descriptor limit (connection-guard.ts). */
  maxConnections?: number;
  /** Cap on client calls being served at once (default 2048); more get an "overloaded" fault. */
  maxClientCallsInFlight?: number;
  /** Event-loop lateness at which client calls are held back (connection-guard.ts; default 50 ms). */
  lagLimitMs?: number;
  /** Bodies of calls to methods other than peerMethods larger than this get HTTP 413 unparsed (default maxBodyBytes). */
  maxClientBodyBytes?: number;
  /**
   * Who is calling (src/security/authenticator.ts makes the node's): `authenticate` runs on the raw body before it is
   * parsed, with the method name the call starts with, so an unauthenticated call costs no parse; `authorize` runs
   * after parsing, before the handler. A fault from either refuses the call (the handler never runs). Absent: every
   * call is served.
   */
  auth?: {
    authenticate(req: http.IncomingMessage, method: string, body: string): { principal: string } | { fault: RpcFault };
    authorize(req: http.IncomingMessage, principal: string, method: string, params: XmlRpcValue[]): RpcFault | null;
    /** Extra headers for the answer `xml` to `req` (a member's call is answered with a MAC: peer-mac.ts). */
    sealAnswer?(req: http.IncomingMessage, xml: string): Record<string, string> | undefined;
  };
  /**
   * Serve HTTPS with this key and certificate (PEM). The same port also answers plain HTTP (told apart by the first
   * byte, tls-sniff.ts), but only for peerMethods and only when `plainPeers`: members then call each other without
   * TLS, authenticated by their MACs. Every other call on plain HTTP gets HTTP 426 naming TLS, its body unread.
   */
  tls?: { key: string; cert: string; plainPeers?: boolean };
  /**
   * Serve system.multicall (multicall.ts) carrying calls to these methods only, at most maxCalls per request. Each call
   * inside is authorized, counted against maxClientCallsInFlight and answered on its own, as if it had come alone.
   * Absent: system.multicall is an unknown method.
   */
  multicall?: { methods: ReadonlySet<string>; maxCalls: number };
}

export interface RpcServer {
  port: number;
  close(): Promise<void>;
  /** While paused the server holds no conversation: every connection is destroyed without a reply. */
  setPaused(p: boolean): void;
  /** Connections accepted since start and open now (tests use it to check that clients reuse connections), and overload counts. */
  stats(): { accepted: number; open: number; requests: number; evicted: number; refused: number; shed: number };
}

/** Idle keep-alive sockets live longer than a client's pool keeps them, so the client side closes first (no races). */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** Bounds a request that trickles in (slowloris); generous because a loaded machine may be slow. */
const REQUEST_TIMEOUT_MS = 60_000;
/** Headers are a few hundred bytes: a connection that takes longer than this to send them is not a real client. */
const HEADERS_TIMEOUT_MS = 10_000;
/** Fault code for a client call shed under overload: "try again later", as for a suspended node. */
const OVERLOADED = FAULT.unavailable;
/** What is sent when even a fault could not be encoded: fixed text, so it cannot fail. */
const LAST_RESORT_FAULT =
  `<?xml version="1.0"?><methodResponse><fault><value><struct><member><name>faultCode</name><value><int>${FAULT.internal}</int></value></member>` +
  '<member><name>faultString</name><value><string>internal error</string></value></member></struct></value></fault></methodResponse>';
/** After close(), requests still running get this long to answer before their sockets are destroyed. */
const CLOSE_GRACE_MS = 2_000;
/** A refused request's body is read and discarded for at most this long before the refusal is sent. */
const REJECT_LINGER_MS = 1_000;
/** HTTP 426 Upgrade Required: the answer to a call that must come over TLS but came in clear. */
const TLS_REQUIRED = 426;

export function startRpcServer(opts: RpcServerOptions): Promise<RpcServer> {
  const sockets = new Set<Socket>();
  /** TCP connections of a TLS node not yet handed over (first byte not in, or TLS handshake not done). */
  const unrouted = new Set<Socket>();
  const senders = new SenderConnections((sender) => {
    if (!paused && !closing) opts.onSenderGone?.(sender);
  });
  let paused = false;
  let closing = false;
  let accepted = 0;
  let requests = 0;
  const peerMethods = opts.peerMethods ?? new Set<string>();
  const guard = new ConnectionGuard({
    maxConnections: opts.maxConnections ?? 0,
    maxClientCallsInFlight: opts.maxClientCallsInFlight ?? 2048,
    lagLimitMs: opts.lagLimitMs,
    logger: opts.logger,
  });

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (paused) {
      req.socket.destroy();
      return;
    }
    requests++;
    // Whatever happens in serving, the process goes on: the request is answered or its socket closed.
    serveRequest(req, res).catch((err: unknown) => {
      opts.logger.error(`rpc: request handling failed: ${printable(err instanceof Error ? err.message : String(err))}`);
      if (!res.headersSent && !req.socket.destroyed) {
        res.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(LAST_RESORT_FAULT) });
        res.end(LAST_RESORT_FAULT);
      } else req.socket.destroy();
    });
  };
  const plainServer = http.createServer({ keepAlive: true }, onRequest);
  const tlsServer = opts.tls
    ? https.createServer({ keepAlive: true, key: opts.tls.key, cert: opts.tls.cert, handshakeTimeout: HEADERS_TIMEOUT_MS }, onRequest)
    : null;
  for (const s of tlsServer ? [plainServer, tlsServer] : [plainServer]) {
    s.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    s.headersTimeout = HEADERS_TIMEOUT_MS;
    s.requestTimeout = REQUEST_TIMEOUT_MS;
  }
  // With TLS, a bare TCP server listens and hands each connection to the HTTPS or the plain HTTP server by its first
  // byte; neither of those listens itself, so 'listening' is emitted on them by hand: it is what starts Node's checks
  // of the headers and request timeouts (slowloris bounds) on their connections.
  // noDelay as http.createServer sets it by default: without it every connection of a TLS node ran with Nagle's
  // algorithm on, so a small write behind one not yet acknowledged waited for the peer's delayed ACK.
  const server: net.Server = tlsServer ? net.createServer({ pauseOnConnect: true, noDelay: true }) : plainServer;
  if (tlsServer) {
    server.on('listening', () => {
      plainServer.emit('listening');
      tlsServer.emit('listening');
    });
    // The guard counts every TCP connection, TLS handshake done or not (an idle flood never gets that far).
    server.on('connection', (raw: Socket) => {
      if (paused || !guard.admit(raw)) {
        raw.destroy();
        return;
      }
      unrouted.add(raw);
      raw.on('close', () => {
        unrouted.delete(raw);
        guard.closed(raw);
      });
      routeByFirstByte(
        raw,
        HEADERS_TIMEOUT_MS,
        (s) => tlsServer.emit('connection', s),
        (s, first) => {
          plainServer.emit('connection', s);
          s.emit('data', first);
        },
      );
    });
  }
  // Under TLS the socket requests arrive on (req.socket) is the TLS one, made once the handshake is done.
  const track = (socket: Socket): void => {
    if (paused || (!tlsServer && !guard.admit(socket))) {
      socket.destroy();
      return;
    }
    accepted++;
    unrouted.delete((socket as Socket & { _parent?: Socket })._parent ?? socket);
    sockets.add(socket);
    // 'end' is the peer's FIN; an 'error' before 'close' is a reset. Either way the other side closed it.
    let closedByPeer = false;
    socket.on('end', () => {
      closedByPeer = true;
    });
    socket.on('close', (hadError: boolean) => {
      sockets.delete(socket);
      if (!tlsServer) guard.closed(socket);
      senders.closed(socket, closedByPeer || hadError);
    });
  };
  plainServer.on('connection', track);
  tlsServer?.on('secureConnection', track);
  // A malformed HTTP request: answer 400 if the socket can still carry it, never throw.
  const onClientError = (err: Error, socket: Socket): void => {
    if (socket.writable && !paused) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
    opts.logger.debug(`rpc: bad HTTP request: ${printable(err.message)}`);
  };
  plainServer.on('clientError', onClientError);
  tlsServer?.on('tlsClientError', (err: Error, socket: Socket) => {
    socket.destroy();
    opts.logger.debug(`rpc: TLS handshake failed: ${printable(err.message)}`);
  });
  tlsServer?.on('clientError', onClientError);

  function refuse(req: http.IncomingMessage, res: http.ServerResponse, status: number, text: string): void {
    // Read and discard the rest of the body (no parsing) before answering, for at most REJECT_LINGER_MS. A client still
    // sending a large body must get to read this answer: Node's server destroys a `Connection: close` socket as soon as
    // the answer is written, and a socket destroyed with input still arriving sends a RST, which makes the client's
    // write fail (EPIPE/ECONNRESET) before it has seen the 413. Answering after the drain avoids that race.
    const answer = (): void => {
      clearTimeout(timer);
      if (res.headersSent || req.socket.destroyed) return;
      res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text), Connection: 'close' });
      res.end(text);
    };
    const timer = setTimeout(answer, REJECT_LINGER_MS);
    timer.unref();
    req.on('data', () => undefined);
    req.on('end', answer);
    req.on('error', () => req.socket.destroy());
    if (req.complete) answer();
    else req.resume();
  }

  function reply(req: http.IncomingMessage, res: http.ServerResponse, xml: string): void {
    // Paused meanwhile (suspend): the caller must see silence, not an answer.
    if (paused || req.socket.destroyed) {
      req.socket.destroy();
      return;
    }
    const headers: http.OutgoingHttpHeaders = { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(xml), ...opts.auth?.sealAnswer?.(req, xml) };
    if (closing) headers.Connection = 'close';
    res.writeHead(200, headers);
    res.end(xml);
  }

  async function serveRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // A TLS server's request that came in clear: only members' calls (which carry MACs) may, and only if allowed.
    // Anything else is refused before its body is read: a credential sent in clear must not be accepted, or users
    // would keep sending it that way.
    const inClear = tlsServer !== null && (req.socket as TLSSocket).encrypted !== true;
    const tlsRequired = (): void =>
      refuse(req, res, TLS_REQUIRED, `this node serves client and admin calls over TLS only (https://): credentials must not travel in clear\n`);
    if (inClear && (opts.tls?.plainPeers !== true || req.headers.authorization !== undefined)) return tlsRequired();
    if (req.method !== 'POST') return refuse(req, res, 405, 'XML-RPC takes POST requests only\n');
    const type = req.headers['content-type'];
    if (type !== undefined && !/xml/i.test(type)) return refuse(req, res, 415, `XML-RPC needs an XML body, got ${type}\n`);
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > opts.maxBodyBytes) return refuse(req, res, 413, `body larger than ${opts.maxBodyBytes} bytes\n`);

    const body = await readBody(req, opts.maxBodyBytes);
    if (body === 'too-large') return refuse(req, res, 413, `body larger than ${opts.maxBodyBytes} bytes\n`);
    if (body === 'aborted') return;
    // Only peers send large bodies (appendEntriesRPC batches). Parsing 8 MB holds the event loop ~0.3 s, so a large
    // body naming any other method is refused before it is parsed.
    const clientMax = opts.maxClientBodyBytes ?? opts.maxBodyBytes;
    const named = peekMethodName(body);
    const peerClaimed = peerMethods.has(named);
    if (inClear && !peerClaimed) return tlsRequired();
    if (body.length > clientMax && !peerClaimed) {
      return refuse(req, res, 413, `body larger than ${clientMax} bytes (only peers' appendEntriesRPC may be larger)\n`);
    }
    // Who is calling, before any parsing: a forged peer call costs a MAC check, not an 8 MB parse.
    let principal = 'anonymous';
    if (opts.auth !== undefined) {
      const who = opts.auth.authenticate(req, named, body);
      if ('fault' in who) return reply(req, res, faultXml(named, who.fault, opts.logger));
      principal = who.principal;
    }
    // Short of CPU: clients wait before their call is even parsed; peers (heartbeats, votes) do not. Once peers are
    // authenticated, only a proven peer skips the wait.
    const provenPeer = peerClaimed && (opts.auth === undefined || principal.startsWith('peer:'));
    const hold = provenPeer ? 0 : guard.clientHoldMs();
    if (hold > 0) await new Promise((r) => setTimeout(r, hold));

    let method = '';
    let started = false;
    let peerCall = false;
    const socket = req.socket;
    // The guard knows the TCP socket; under TLS req.socket wraps it (_parent: undocumented, but how Node links them).
    const guardSocket = (socket as Socket & { _parent?: Socket })._parent ?? socket;
    try {
      const call = await decodeCall(body);
      method = call.method;
      // Refused at the door: a string XML cannot carry could never be replicated or answered (issue 11).
      const badName = findUnencodable(method);
      if (badName !== null) throw new RpcFault(FaultCode.invalidRequest, `method name '${printable(method)}' contains ${badName}, which XML 1.0 cannot carry`);
      // No handler and a batch: system.multicall, served below call by call.
      const batch = method === MULTICALL && opts.multicall !== undefined;
      const handler = batch ? undefined : handlerFor(method);
      const badParam = findUnencodableParam(call.params);
      if (badParam !== null) throw new RpcFault(FaultCode.invalidParams, `${method}: ${badParam}, which XML 1.0 cannot carry`);
      if (opts.auth !== undefined) {
        // Authentication covered the name the call starts with; a document naming another method (a comment or an
        // odd layout in front) must not be served under the first one's rights.
        if (method !== named) throw new RpcFault(FaultCode.invalidRequest, `methodName must come first and plain in the document ('${printable(named, 60)}' vs '${printable(method, 60)}')`);
        const denied = opts.auth.authorize(req, principal, method, call.params);
        if (denied !== null) throw denied;
      }
      const context: RpcCallContext = { tagSender: (sender) => senders.tag(socket, sender) };
      if (handler === undefined) {
        reply(req, res, encodeResponse(await serveBatch(req, principal, call.params, guardSocket, context)));
        return;
      }
      peerCall = peerMethods.has(method);
      if (peerCall) guard.markPeer(guardSocket);
      if (!guard.callStarted(guardSocket, peerCall)) throw new RpcFault(OVERLOADED, `${method}: node overloaded, try again`);
      started = true;
      const result = await handler(call.params, context);
      reply(req, res, encodeResponse(result));
    } catch (err) {
      reply(req, res, faultXml(method, err, opts.logger));
    } finally {
      if (started) guard.callEnded(guardSocket, peerCall);
    }
  }

  /** The handler of a method, or the unknown-method fault (a method name is never looked up on Object's prototype). */
  function handlerFor(method: string): RpcHandler {
    if (!Object.hasOwn(opts.handlers, method)) throw new RpcFault(FaultCode.unknownMethod, `unknown method '${printable(method)}'`);
    return opts.handlers[method];
  }

  /**
   * The calls of one system.multicall, all started at once (writes that arrive together are proposed together and
   * share an append and an fsync), each answered on its own: a refused or failed call does not fail the others.
   */
  async function serveBatch(
    req: http.IncomingMessage,
    principal: string,
    params: XmlRpcValue[],
    guardSocket: Socket,
    context: RpcCallContext,
  ): Promise<XmlRpcValue[]> {
    const entries = parseMulticall(params, opts.multicall?.methods ?? new Set(), opts.multicall?.maxCalls ?? 0);
    return Promise.all(
      entries.map(async (entry): Promise<XmlRpcValue> => {
        if ('fault' in entry) return multicallFault(entry.fault.code, printable(entry.fault.message, 1000));
        let started = false;
        try {
          const handler = handlerFor(entry.method);
          const denied = opts.auth?.authorize(req, principal, entry.method, entry.params) ?? null;
          if (denied !== null) throw denied;
          if (!guard.callStarted(guardSocket, false)) throw new RpcFault(OVERLOADED, `${entry.method}: node overloaded, try again`);
          started = true;
          return multicallValue(await handler(entry.params, context));
        } catch (err) {
          const f = faultOf(entry.method, err, opts.logger);
          return multicallFault(f.code, f.message);
        } finally {
          if (started) guard.callEnded(guardSocket, false);
        }
      }),
    );
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
          if (p) for (const s of [...sockets, ...unrouted]) s.destroy();
        },
        stats: () => {
          const g = guard.stats();
          return { accepted, open: sockets.size, requests, evicted: g.evicted, refused: g.refused, shed: g.shed };
        },
        close(): Promise<void> {
          closing = true;
          guard.close();
          const inner = tlsServer ? [plainServer, tlsServer] : [plainServer];
          return new Promise((done) => {
            server.close(() => done());
            // The inner servers of a TLS node do not listen: their close() only stops the timeout checks and
            // closes idle connections (its "not running" error is expected).
            if (tlsServer) for (const s of inner) s.close(() => undefined);
            for (const s of inner) s.closeIdleConnections();
            setTimeout(() => {
              for (const s of inner) s.closeAllConnections();
              // Connections still being told apart (or handshaking) belong to neither server yet.
              for (const s of unrouted) s.destroy();
            }, CLOSE_GRACE_MS).unref();
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

/** The method a call names, read from its first bytes without parsing the document ('' when not found there). */
function peekMethodName(body: string): string {
  const m = /<methodName>\s*([^<\s]{1,64})\s*<\/methodName>/.exec(body.slice(0, 1024));
  return m === null ? '' : m[1];
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

/** The code and (encodable) message a failure is answered with; an unexpected one is logged. */
function faultOf(method: string, err: unknown, logger: Logger): { code: number; message: string } {
  if (err instanceof RpcFault) return { code: err.code, message: printable(err.message, 1000) };
  if (err instanceof MalformedXmlRpcError) return { code: FaultCode.parseError, message: printable(err.message, 1000) };
  const msg = printable(err instanceof Error ? err.message : String(err));
  logger.warn(`rpc: handler ${printable(method, 60)} failed: ${msg}`);
  return { code: FaultCode.internalError, message: `${printable(method, 60)}: internal error: ${msg}` };
}

/**
 * Any failure becomes a fault: RpcFault as given, malformed input as a parse error, anything else as internal.
 * Messages may quote what the caller sent; printable() makes them encodable (a control character in a fault message
 * once made encoding throw inside this error path and took the process down).
 */
function faultXml(method: string, err: unknown, logger: Logger): string {
  try {
    const f = faultOf(method, err, logger);
    return encodeFault(f.code, f.message);
  } catch (e) {
    logger.error(`rpc: cannot encode a fault: ${printable(e instanceof Error ? e.message : String(e))}`);
    return LAST_RESORT_FAULT;
  }
}
