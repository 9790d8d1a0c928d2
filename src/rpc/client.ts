// An XML-RPC client for one server: a pool of keep-alive connections (undici's, so calls reuse connections instead of
// exhausting ephemeral ports), many calls in flight at once, and a timeout on every call: the npm `xmlrpc` client has
// none, and a dead peer must never stall its caller.
//
// Why undici and not node:http: a leader's appendEntriesRPC calls were its largest single cost. At 1 write in flight
// (a profile of the leader with `perf` and --perf-basic-prof) Node's http client (ClientRequest, the agent's socket
// bookkeeping, a readable stream per answer) took about 30% of the leader's CPU; the same cluster on undici spent
// about 15% less CPU per committed write (README, Benchmark, "With undici"). undici writes a request as one buffer,
// parses answers with the same llhttp, and its dispatch API delivers an answer's bytes without a stream per call.
import { createSecureContext } from 'node:tls';
import { Pool, type Dispatcher } from 'undici';
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

export class RpcClient {
  private readonly pool: Pool;
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
    host: string,
    port: number,
    opts: RpcClientOptions = {},
  ) {
    this.target = joinHostPort(host, port);
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxResponseBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.path = opts.path ?? '/RPC2';
    this.sign = opts.sign;
    this.checkAnswer = opts.checkAnswer;
    if (opts.auth !== undefined) this.authorization = `Basic ${Buffer.from(`${opts.auth.user}:${opts.auth.password}`, 'utf8').toString('base64')}`;
    // Timeouts are ours (one bound per call, queueing included), so undici's own header and body timers are off. The
    // CA goes in as a secure context made once, so a new connection does not parse the PEM again. Every connection
    // has TCP_NODELAY (undici sets it on TLS sockets too, which Node 20's https.Agent did not).
    this.pool = new Pool(`${opts.ca === undefined ? 'http' : 'https'}://${this.target}`, {
      connections: opts.maxSockets ?? DEFAULT_MAX_SOCKETS,
      keepAliveTimeout: FREE_SOCKET_TIMEOUT_MS,
      keepAliveMaxTimeout: FREE_SOCKET_TIMEOUT_MS,
      headersTimeout: 0,
      bodyTimeout: 0,
      ...(opts.ca === undefined ? {} : { connect: { secureContext: createSecureContext({ ca: opts.ca }) } }),
    });
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
    const answer = await this.post(body, deadline, budget, headers);
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
    this.pool.destroy().catch(() => undefined);
  }

  private post(body: Buffer, deadline: number, budget: number, extraHeaders?: Record<string, string>): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const timeoutMsg = `no answer from ${this.target} within ${budget}ms`;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return reject(new RpcTimeoutError(timeoutMsg, this.target));
      const headers: Record<string, string> = { 'content-type': 'text/xml', ...extraHeaders };
      if (this.authorization !== undefined) headers.authorization = this.authorization;
      const sealName = this.checkAnswer?.header;
      const maxBytes = this.maxResponseBytes;
      const target = this.target;
      let settled = false;
      let controller: Dispatcher.DispatchController | undefined;
      const chunks: Buffer[] = [];
      let size = 0;
      let status = 0;
      let seal: string | undefined;
      // Errors are built lazily: an Error (with its stack) per call is not free.
      const settle = (err: (() => Error) | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err !== null) {
          reject(err());
          // Nothing more is read of this call; undici closes its connection (the answer may still be on the way).
          if (controller !== undefined && !controller.aborted) controller.abort(new Error('call settled'));
        } else resolve({ bytes: Buffer.concat(chunks, size), sealHeader: seal });
      };
      const timer = setTimeout(() => settle(() => new RpcTimeoutError(timeoutMsg, target)), remaining);
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart(c) {
          controller = c;
          // Timed out while queued for a connection: never sent.
          if (settled) c.abort(new Error('call settled'));
        },
        onResponseStart(_c, statusCode, responseHeaders) {
          status = statusCode;
          if (sealName !== undefined) {
            const h = responseHeaders[sealName];
            seal = typeof h === 'string' ? h : undefined;
          }
        },
        onResponseData(_c, chunk) {
          size += chunk.length;
          if (size > maxBytes) settle(() => new RpcProtocolError(`answer from ${target} larger than ${maxBytes} bytes`, target));
          else chunks.push(chunk);
        },
        onResponseEnd() {
          if (status === 200) return settle(null);
          const why = Buffer.concat(chunks, size).toString('utf8').trim().split('\n')[0] ?? '';
          settle(() => new RpcProtocolError(`HTTP ${status} from ${target}${why ? `: ${why}` : ''}`, target));
        },
        onResponseError(_c, err) {
          settle(() => new RpcConnectionError(`${target}: ${describe(err)}`, target));
        },
      };
      try {
        this.pool.dispatch({ path: this.path, method: 'POST', headers, body }, handler);
      } catch (err) {
        settle(() => new RpcConnectionError(`${target}: ${describe(err)}`, target));
      }
    });
  }
}

/** undici wraps socket errors (ECONNREFUSED...) as `cause`: name both, so a refused connection still says so. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  const code = (err as { code?: string }).code;
  if (cause instanceof Error && cause.message !== err.message) return `${err.message} (${cause.message})`;
  return code !== undefined && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
}

/** An HTTP 200 answer: its exact bytes and, when answers are checked, their seal header. */
interface Answer {
  bytes: Buffer;
  sealHeader: string | undefined;
}
