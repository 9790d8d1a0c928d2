// An XML-RPC client for one server: its own http.request over a keep-alive Agent (so calls reuse connections instead
// of exhausting ephemeral ports), many calls in flight at once, and a timeout on every call: the npm `xmlrpc`
// client has none, and a dead peer must never stall its caller.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { createSecureContext } from 'node:tls';
import { RpcConnectionError, RpcFaultError, RpcProtocolError, RpcTimeoutError } from './errors.js';
import type { XmlRpcValue } from './values.js';
import { joinHostPort } from '../util/host-port.js';
import { MalformedXmlRpcError, decodeResponse, encodeCall } from './wire.js';
import { CallBatcher } from './call-batcher.js';

export { RpcError, RpcConnectionError, RpcFaultError, RpcProtocolError, RpcTimeoutError } from './errors.js';

export interface RpcClientOptions {
  /** Default bound for one call, from the request being queued to the last byte of the answer. Default 2000. */
  timeoutMs?: number;
  /** Connections kept to this server; calls beyond that wait for a free one (inside their timeout). Default 64. */
  maxSockets?: number;
  /** Answers larger than this are refused. Default 64 MiB. */
  maxResponseBytes?: number;
  /** Request path; servers here accept any. Default /RPC2. */
  path?: string;
  /** Extra headers for one call, computed from its method and exact body bytes (a member's MAC: src/security/peer-mac.ts). */
  sign?: (method: string, body: Buffer) => Record<string, string>;
  /**
   * Checks an answer: given the headers `sign` added to the call, the answer's `answerHeader` (see below) and its exact
   * bytes, why it is not proven to answer that call, or null (a member's answers carry MACs: src/security/peer-mac.ts).
   */
  checkAnswer?: { header: string; check: (sent: Record<string, string>, given: string | undefined, body: Buffer) => string | null };
  /** HTTP basic auth sent with every call (the admin or client token). */
  auth?: { user: string; password: string };
  /** Talk HTTPS and trust this CA (PEM) only: the server's certificate must be signed by it and name its host. */
  ca?: string;
  /**
   * Calls to these methods made in the same turn of the event loop go as one system.multicall (call-batcher.ts);
   * each caller still gets its own value or fault. Absent: every call is its own request.
   */
  batch?: ReadonlySet<string>;
}

const DEFAULT_TIMEOUT_MS = 2000;
const DEFAULT_MAX_SOCKETS = 64;
const DEFAULT_MAX_RESPONSE_BYTES = 64 << 20;
/** Idle pooled sockets are dropped well before the server's keep-alive timeout (65 s) would close them under us. */
const FREE_SOCKET_TIMEOUT_MS = 30_000;

/** Errors that mean the server closed a pooled socket just as we reused it: the request never reached a handler. */
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE']);

export class RpcClient {
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;
  private readonly sign?: (method: string, body: Buffer) => Record<string, string>;
  private readonly checkAnswer?: RpcClientOptions['checkAnswer'];
  private readonly authorization?: string;
  private readonly target: string;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly path: string;
  private readonly batch?: { methods: ReadonlySet<string>; batcher: CallBatcher };
  private closed = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    opts: RpcClientOptions = {},
  ) {
    this.target = joinHostPort(host, port);
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxResponseBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.path = opts.path ?? '/RPC2';
    this.sign = opts.sign;
    this.checkAnswer = opts.checkAnswer;
    if (opts.auth !== undefined) this.authorization = `Basic ${Buffer.from(`${opts.auth.user}:${opts.auth.password}`, 'utf8').toString('base64')}`;
    const agentOpts: http.AgentOptions = {
      keepAlive: true,
      maxSockets: opts.maxSockets ?? DEFAULT_MAX_SOCKETS,
      maxFreeSockets: opts.maxSockets ?? DEFAULT_MAX_SOCKETS,
      timeout: FREE_SOCKET_TIMEOUT_MS,
      scheduling: 'lifo',
    };
    // The CA goes in as a secure context made once, not as `ca`: https.Agent keys its pool by a name that holds every
    // TLS option given as text, so a `ca` PEM (about 1 KB) was concatenated and hashed on every call (the agent's
    // bookkeeping was 13% of a deployed bench client's time), and each new connection parsed it again.
    this.agent = opts.ca === undefined ? new http.Agent(agentOpts) : noDelayTlsAgent(new https.Agent({ ...agentOpts, secureContext: createSecureContext({ ca: opts.ca }) }));
    this.request = opts.ca === undefined ? http.request : https.request;
    if (opts.batch !== undefined) this.batch = { methods: opts.batch, batcher: new CallBatcher((m, p, t) => this.callAlone(m, p, t), this.target) };
  }

  /** Resolves with the answer's value; rejects with RpcFaultError, RpcTimeoutError, RpcConnectionError or RpcProtocolError. */
  call(method: string, params: XmlRpcValue[], timeoutMs?: number): Promise<XmlRpcValue> {
    if (this.batch?.methods.has(method)) return this.batch.batcher.call(method, params, timeoutMs ?? this.timeoutMs);
    return this.callAlone(method, params, timeoutMs);
  }

  private async callAlone(method: string, params: XmlRpcValue[], timeoutMs?: number): Promise<XmlRpcValue> {
    if (this.closed) throw new RpcConnectionError(`client for ${this.target} is closed`, this.target);
    let body: Buffer;
    try {
      body = Buffer.from(encodeCall(method, params), 'utf8');
    } catch (err) {
      // e.g. a string holding characters XML cannot carry (U+0000 and most other C0 controls).
      const why = err instanceof Error ? err.message : String(err);
      throw new RpcProtocolError(`${method}: cannot encode the call: ${why}`, this.target);
    }
    const budget = timeoutMs ?? this.timeoutMs;
    const deadline = Date.now() + budget;
    let headers: Record<string, string> | undefined;
    try {
      headers = this.sign?.(method, body);
    } catch (err) {
      throw new RpcProtocolError(`${method}: cannot sign the call: ${(err as Error).message}`, this.target);
    }
    let answer: Answer;
    try {
      answer = await this.post(body, deadline, budget, headers);
    } catch (err) {
      // One retry on a fresh socket when a pooled one turned out dead; the server never saw the request.
      if (!(err instanceof StaleSocketError)) throw err;
      if (this.closed) throw new RpcConnectionError(`client for ${this.target} was closed during the call`, this.target);
      // Signed again: the server refuses a nonce it has seen, even one whose first send never reached it.
      headers = this.sign?.(method, body);
      answer = await this.post(body, deadline, budget, headers);
    }
    // Checked before anything in the answer is believed (a forged "vote granted" must never reach the caller).
    const refused = this.checkAnswer?.check(headers ?? {}, answer.sealHeader, answer.bytes) ?? null;
    const text = answer.bytes.toString('utf8');
    let decoded;
    try {
      decoded = await decodeResponse(text);
    } catch (err) {
      if (refused !== null) throw new RpcProtocolError(`${method} to ${this.target}: answer refused: ${refused}`, this.target);
      if (err instanceof MalformedXmlRpcError) throw new RpcProtocolError(`${method} to ${this.target}: ${err.message}`, this.target);
      throw err;
    }
    if (refused !== null) {
      // An unproven fault is still worth showing (e.g. the peer refusing our MAC: a key mismatch), as hearsay.
      const said = decoded.fault ? `; it said: fault ${decoded.code}: ${decoded.message.slice(0, 300)}` : '';
      throw new RpcProtocolError(`${method} to ${this.target}: answer refused: ${refused}${said}`, this.target);
    }
    if (decoded.fault) throw new RpcFaultError(decoded.code, decoded.message, this.target);
    return decoded.value;
  }

  /** Drops pooled connections; calls in flight fail with RpcConnectionError. */
  close(): void {
    this.closed = true;
    this.agent.destroy();
  }

  private post(body: Buffer, deadline: number, budget: number, extraHeaders?: Record<string, string>): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const timeoutMsg = `no answer from ${this.target} within ${budget}ms`;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return reject(new RpcTimeoutError(timeoutMsg, this.target));
      let settled = false;
      // Errors are built lazily: 'close' follows every 'end', and an Error (with its stack) per call is not free.
      const settle = (err: (() => Error) | null, answer?: Answer): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err());
        else resolve(answer ?? { bytes: Buffer.alloc(0), sealHeader: undefined });
      };
      const headers: http.OutgoingHttpHeaders = { 'Content-Type': 'text/xml', 'Content-Length': body.length, ...extraHeaders };
      if (this.authorization !== undefined) headers.Authorization = this.authorization;
      const req = this.request({
        host: this.host,
        port: this.port,
        method: 'POST',
        path: this.path,
        agent: this.agent,
        headers,
      });
      const timer = setTimeout(() => {
        settle(() => new RpcTimeoutError(timeoutMsg, this.target));
        req.destroy();
      }, remaining);
      let answered = false;
      req.on('error', (err: NodeJS.ErrnoException) => {
        // A server that refuses a body (413) answers before reading it and closes: our write then fails, but its
        // answer is what the caller needs to hear; the response's own events settle the call.
        if (answered) return;
        const stale = req.reusedSocket && err.code !== undefined && STALE_SOCKET_CODES.has(err.code);
        settle(() => (stale ? new StaleSocketError() : new RpcConnectionError(`${this.target}: ${err.message}`, this.target)));
      });
      req.on('response', (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.maxResponseBytes) {
            settle(() => new RpcProtocolError(`answer from ${this.target} larger than ${this.maxResponseBytes} bytes`, this.target));
            req.destroy();
          } else chunks.push(chunk);
        });
        res.on('end', () => {
          const bytes = Buffer.concat(chunks, size);
          if (res.statusCode !== 200) {
            const why = bytes.toString('utf8').trim().split('\n')[0] ?? '';
            settle(() => new RpcProtocolError(`HTTP ${res.statusCode} from ${this.target}${why ? `: ${why}` : ''}`, this.target));
          } else {
            const h = this.checkAnswer === undefined ? undefined : res.headers[this.checkAnswer.header];
            settle(null, { bytes, sealHeader: typeof h === 'string' ? h : undefined });
          }
        });
        res.on('error', (err) => settle(() => new RpcConnectionError(`${this.target}: ${err.message}`, this.target)));
        res.on('close', () => settle(() => new RpcConnectionError(`${this.target}: connection closed mid-answer`, this.target)));
      });
      req.end(body);
    });
  }
}

class StaleSocketError extends Error {}

/**
 * Turns Nagle's algorithm off on every connection the agent opens. http.Agent does it for plain connections (its
 * `noDelay` option defaults to true), but https.Agent's tls.connect does not (strace showed no TCP_NODELAY on a TLS
 * client socket in Node 20), so a small write behind one not yet acknowledged could wait for the server's delayed ACK.
 * Measured alone it moved no bench figure (each call is one write, answered before the next), but a TLS connection
 * should behave as a plain one does.
 */
function noDelayTlsAgent(agent: https.Agent): https.Agent {
  const open = agent.createConnection.bind(agent);
  agent.createConnection = (options, callback) => {
    const socket = open(options, callback);
    if (socket instanceof net.Socket) socket.setNoDelay(true);
    return socket;
  };
  return agent;
}

/** An HTTP 200 answer: its exact bytes and, when answers are checked, their seal header. */
interface Answer {
  bytes: Buffer;
  sealHeader: string | undefined;
}
