// Sends the calls made to one server in the same turn of the event loop as one system.multicall (multicall.ts).
// A client with 32 writes in flight gets its answers together (they commit together) and makes its next 32 calls
// together: without batching that is 32 HTTP requests, each costing the node a read, a parse, an answer and a write
// syscall (and under TLS a record each way); batched it is one. A lone call goes out as itself, so a client with one
// call in flight sees no difference. What each caller sees is what it would have seen alone: its own value or fault;
// a failure of the whole request (connection, timeout, credentials) is every caller's.
import { RpcFaultError, RpcProtocolError } from './errors.js';
import { MAX_BATCH_CALLS, MULTICALL, readMulticallAnswer } from './multicall.js';
import { FAULT } from '../protocol/faults.js';
import type { XmlRpcValue } from './values.js';

/**
 * Bounds on the text of the calls' string parameters: a call with more travels alone, a batch stops growing at the
 * second. Even if every character became a five-byte escape the batch stays well inside a node's 2 MiB client body.
 */
const ALONE_ABOVE_CHARS = 16 * 1024;
const BATCH_CHARS = 128 * 1024;

interface Queued {
  method: string;
  params: XmlRpcValue[];
  timeoutMs: number;
  chars: number;
  resolve(v: XmlRpcValue): void;
  reject(e: unknown): void;
}

/** Sends one call on its own (RpcClient's unbatched path). */
export type SendCall = (method: string, params: XmlRpcValue[], timeoutMs: number) => Promise<XmlRpcValue>;

export class CallBatcher {
  private queue: Queued[] = [];
  private flushScheduled = false;
  /** Cleared for good when the server answers that it has no system.multicall (an older node): calls go alone. */
  private serverBatches = true;

  constructor(
    private readonly send1: SendCall,
    private readonly target: string,
  ) {}

  call(method: string, params: XmlRpcValue[], timeoutMs: number): Promise<XmlRpcValue> {
    const chars = stringChars(params);
    if (!this.serverBatches || chars > ALONE_ABOVE_CHARS) return this.send1(method, params, timeoutMs);
    return new Promise((resolve, reject) => {
      this.queue.push({ method, params, timeoutMs, chars, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // setImmediate, not a microtask: callers woken by one answer each go through several awaits before calling
        // again, and all of that finishes before the check phase, so they land in the same batch.
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const queued = this.queue;
    this.queue = [];
    let batch: Queued[] = [];
    let chars = 0;
    for (const q of queued) {
      if (batch.length > 0 && (batch.length >= MAX_BATCH_CALLS || chars + q.chars > BATCH_CHARS)) {
        this.send(batch);
        batch = [];
        chars = 0;
      }
      batch.push(q);
      chars += q.chars;
    }
    if (batch.length > 0) this.send(batch);
  }

  private send(batch: Queued[]): void {
    if (batch.length === 1 || !this.serverBatches) {
      for (const q of batch) this.send1(q.method, q.params, q.timeoutMs).then(q.resolve, q.reject);
      return;
    }
    const calls: XmlRpcValue[] = batch.map((q) => ({ methodName: q.method, params: q.params }));
    const timeoutMs = Math.min(...batch.map((q) => q.timeoutMs));
    this.send1(MULTICALL, [calls], timeoutMs).then(
      (answer) => {
        let answers;
        try {
          answers = readMulticallAnswer(answer, batch.length);
        } catch (err) {
          const e = new RpcProtocolError(`${MULTICALL} to ${this.target}: ${(err as Error).message}`, this.target);
          for (const q of batch) q.reject(e);
          return;
        }
        answers.forEach((a, i) => {
          if ('value' in a) batch[i].resolve(a.value);
          else batch[i].reject(new RpcFaultError(a.fault.code, a.fault.message, this.target));
        });
      },
      (err: unknown) => {
        if (err instanceof RpcFaultError && err.code === FAULT.unknownMethod) {
          this.serverBatches = false;
          this.send(batch);
        } else for (const q of batch) q.reject(err);
      },
    );
  }
}

/** The length of every string among the parameters (what the call's size grows with). */
function stringChars(params: XmlRpcValue[]): number {
  let n = 0;
  for (const p of params) {
    if (typeof p === 'string') n += p.length;
    else if (typeof p === 'object') n += ALONE_ABOVE_CHARS + 1; // arrays, structs: not what batches are for
  }
  return n;
}
