// A JSON POST over a keep-alive agent with a bound on the whole exchange: etcd's gRPC gateway speaks JSON over HTTP/1.1.
import http from 'node:http';
import { joinHostPort } from '../../src/util/host-port.js';

export interface JsonAnswer {
  status: number;
  body: unknown;
}

export function postJson(agent: http.Agent, host: string, port: number, path: string, payload: unknown, timeoutMs: number): Promise<JsonAnswer> {
  const body = Buffer.from(JSON.stringify(payload), 'utf8');
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (err: Error | null, answer?: JsonAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(answer!);
    };
    const req = http.request({ host, port, path, method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': body.length } });
    const timer = setTimeout(() => {
      done(new Error(`no answer from ${joinHostPort(host, port)}${path} within ${timeoutMs} ms`));
      req.destroy();
    }, timeoutMs);
    req.on('error', (err) => done(err));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => done(err));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON (e.g. a plain-text error page): keep the text
        }
        done(null, { status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.end(body);
  });
}

export function field(obj: unknown, ...path: string[]): unknown {
  let v = obj;
  for (const k of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}
