// Measures the XML-RPC layer alone: calls/s of an echo-like method and of an appendEntriesRPC carrying a batch of
// entries, at 1 and 32 calls in flight over one keep-alive client on loopback.
// `node dist/src/rpc/echo-bench.js [--seconds S]`; RPC_WIRE=package measures the xmlrpc package path alone.
import { RpcClient } from './client.js';
import { decodeAppendRequest, encodeAppendRequest, encodeAppendResponse } from './codec.js';
import { startRpcServer } from './server.js';
import type { XmlRpcValue } from './values.js';
import { silentLogger } from '../util/logger.js';
import { defineCli, readCli } from '../util/cli-args.js';
import { decimal } from '../util/cli-options.js';
import type { AppendRequest, Entry } from '../raft/types.js';

const ECHO_BENCH_CLI = defineCli({
  program: 'echo-bench',
  usage: 'node dist/src/rpc/echo-bench.js [--seconds S]   (RPC_WIRE=package: the xmlrpc package path alone)',
  summary: 'Calls/s of the XML-RPC layer alone: an echo and a 64-entry appendEntriesRPC, 1 and 32 in flight.',
  options: { seconds: decimal('per row', { min: 0.1, max: 3600, default: 3, placeholder: 'S' }) },
});

function batch(n: number): AppendRequest {
  const entries: Entry[] = Array.from({ length: n }, (_, i) => ({
    index: i + 1, term: 1, type: 'add', tid: `client-${i.toString(16).padStart(32, '0')}`, data: 'x'.repeat(100), key: '',
  }));
  return { type: 'append', from: '127.0.0.1:1', to: '127.0.0.1:2', term: 1, prevLogIndex: 0, prevLogTerm: 0, entries, leaderCommit: 0, seq: 1 };
}

async function measure(client: RpcClient, method: string, params: XmlRpcValue[], inFlight: number, seconds: number): Promise<number> {
  const end = Date.now() + seconds * 1000;
  let calls = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (Date.now() < end) {
        await client.call(method, params, 10_000);
        calls++;
      }
    }),
  );
  return calls / (Number(process.hrtime.bigint() - start) / 1e9);
}

async function main(): Promise<void> {
  const seconds = readCli(ECHO_BENCH_CLI).values.seconds;
  const server = await startRpcServer({
    host: '127.0.0.1', port: 0, maxBodyBytes: 16 << 20, logger: silentLogger,
    handlers: {
      echo: async (params) => params[0] ?? '',
      appendEntriesRPC: async (params) => {
        const m = decodeAppendRequest(params, '127.0.0.1:2');
        return encodeAppendResponse({
          type: 'appendResp', from: m.to, to: m.from, term: m.term, success: true,
          matchIndex: m.prevLogIndex + m.entries.length, conflictIndex: 0, conflictTerm: 0, lastLogIndex: 0, seq: m.seq,
        });
      },
    },
  });
  const client = new RpcClient('127.0.0.1', server.port, { timeoutMs: 10_000, maxSockets: 64 });
  const wire = process.env.RPC_WIRE === 'package' ? 'xmlrpc package' : 'fast path + package fallback';
  console.log(`wire: ${wire}; ${seconds} s per row`);
  await measure(client, 'echo', ['warm-up'], 8, 0.5);
  for (const inFlight of [1, 32]) {
    const echo = await measure(client, 'echo', ['hello'], inFlight, seconds);
    console.log(`echo             ${String(inFlight).padStart(3)} in flight: ${echo.toFixed(0).padStart(6)} calls/s`);
  }
  const params = encodeAppendRequest(batch(64));
  for (const inFlight of [1, 32]) {
    const rate = await measure(client, 'appendEntriesRPC', params, inFlight, seconds);
    console.log(`append 64x100 B  ${String(inFlight).padStart(3)} in flight: ${rate.toFixed(0).padStart(6)} calls/s (${(rate * 64).toFixed(0)} entries/s)`);
  }
  client.close();
  await server.close();
}

void main();
