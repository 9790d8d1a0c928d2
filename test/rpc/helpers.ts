// Shared test fixtures: a real RpcServer on 127.0.0.1 (port 0) and raw HTTP requests for what a normal client won't send.
import http from 'node:http';
import { startRpcServer, type RpcHandler, type RpcServer } from '../../src/rpc/server.js';
import { silentLogger } from '../../src/util/logger.js';

export async function startTestServer(handlers: Record<string, RpcHandler>, maxBodyBytes = 64 * 1024): Promise<RpcServer> {
  return startRpcServer({ host: '127.0.0.1', port: 0, maxBodyBytes, logger: silentLogger, handlers });
}

export interface RawReply {
  status: number;
  body: string;
}

/** One HTTP request on a fresh connection; rejects on a connection error, never hangs past timeoutMs. */
export function rawRequest(
  port: number,
  opts: { method?: string; path?: string; headers?: http.OutgoingHttpHeaders; body?: string | Buffer; timeoutMs?: number },
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: opts.method ?? 'POST', path: opts.path ?? '/', headers: opts.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(opts.timeoutMs ?? 5000, () => req.destroy(new Error('raw request timed out')));
    req.on('error', reject);
    req.end(opts.body);
  });
}

export const xmlHeaders = { 'Content-Type': 'text/xml' };
