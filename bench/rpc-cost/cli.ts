// What one XML-RPC call costs the server, by client: the server alone in a child process (bench/rpc-cost/server.ts),
// driven in turn by the npm `xmlrpc` client (as a user writes it), by our RpcClient, and by our RpcClient slowed by
// --burn-ms of busy client CPU per call (to compare the two clients at the same call rate). Server CPU from
// /proc/PID/stat per 1,000 calls, rounds interleaved so machine noise hits all alike. Issue 16's question: does what a
// stock client sends cost the node more? Usage:
//   node dist/bench/rpc-cost/cli.js [--in-flight 32] [--calls 15000] [--rounds 3] [--burn-ms 0.25] [--cpu-prof DIR]
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import xmlrpc from 'xmlrpc';
import { RpcClient } from '../../src/rpc/client.js';
import { processesCpuMs } from '../server-cpu.js';
import { defineCli, readCli } from '../../src/util/cli-args.js';
import { decimal, integer, text } from '../../src/util/cli-options.js';

const RPC_COST_CLI = defineCli({
  program: 'rpc-cost',
  usage: 'node dist/bench/rpc-cost/cli.js [options]',
  summary: 'Server CPU per 1,000 addEntry calls, by client: npm xmlrpc, our RpcClient, and ours slowed by --burn-ms.',
  options: {
    'in-flight': integer('calls in flight', { min: 1, max: 1024, default: 32 }),
    calls: integer('calls per client and round', { min: 100, max: 10_000_000, default: 15_000 }),
    rounds: integer('rounds, clients interleaved', { min: 1, max: 100, default: 3 }),
    'burn-ms': decimal('client CPU burnt per call by the third client', { min: 0, max: 100, default: 0.25, placeholder: 'MS' }),
    'cpu-prof': text("write the server's CPU profile here", { placeholder: 'DIR' }),
  },
});

async function main(): Promise<void> {
  const { values: v } = readCli(RPC_COST_CLI);
  const inFlight = v['in-flight'];
  const calls = v.calls;
  const rounds = v.rounds;
  const burnMs = v['burn-ms'];
  const prof = v['cpu-prof'];
  const script = new URL('./server.js', import.meta.url).pathname;
  const child = spawn(process.execPath, [...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []), script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('the server did not print its port within 10 s')), 10_000);
    createInterface({ input: child.stdout! }).once('line', (l) => {
      clearTimeout(t);
      resolve(Number(l.trim()));
    });
    child.once('exit', (code) => reject(new Error(`the server exited (code ${code}) before printing its port`)));
  });
  const data = 'x'.repeat(100);
  const stock = xmlrpc.createClient({ host: '127.0.0.1', port, path: '/RPC2' });
  const ours = new RpcClient('127.0.0.1', port, { maxSockets: inFlight, timeoutMs: 10_000 });
  const clients: Record<string, (i: number) => Promise<unknown>> = {
    'npm xmlrpc': (i) => new Promise((res, rej) => stock.methodCall('addEntry', [`t${i}`, data], (e: unknown, v: unknown) => (e ? rej(e) : res(v)))),
    'our RpcClient': (i) => ours.call('addEntry', [`t${i}`, data]),
    [`our RpcClient + ${burnMs} ms CPU/call`]: (i) => {
      const until = performance.now() + burnMs;
      while (performance.now() < until); // stands for a client that spends more CPU per call
      return ours.call('addEntry', [`t${i}`, data]);
    },
  };
  const run = async (call: (i: number) => Promise<unknown>, n: number): Promise<void> => {
    let next = 0;
    await Promise.all(Array.from({ length: inFlight }, async () => {
      while (next < n) await call(next++);
    }));
  };
  try {
    for (const c of Object.values(clients)) await run(c, 2000); // warm both ends' JIT
    const out = new Map<string, string[]>();
    for (let r = 0; r < rounds; r++) {
      for (const [name, c] of Object.entries(clients)) {
        const cpu0 = processesCpuMs([child.pid ?? null]);
        const t0 = performance.now();
        await run(c, calls);
        const ms = performance.now() - t0;
        const cpu1 = processesCpuMs([child.pid ?? null]);
        const perK = cpu0 === null || cpu1 === null ? '-' : String(Math.round(((cpu1 - cpu0) / calls) * 1000));
        out.set(name, [...(out.get(name) ?? []), `${perK} (${Math.round((calls / ms) * 1000)}/s)`]);
      }
    }
    process.stdout.write(`server CPU ms per 1,000 addEntry calls (calls/s), ${inFlight} in flight, ${rounds} rounds:\n`);
    for (const [name, v] of out) process.stdout.write(`  ${name.padEnd(34)} ${v.join(', ')}\n`);
  } finally {
    ours.close();
    child.kill('SIGTERM');
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
