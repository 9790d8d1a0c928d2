// Measures the figures issue 15 asks for, on a fresh 5-node local cluster in a temporary folder. Not a test (mocha
// skips it); run after building:  node dist/test/dashboard/measure.js [--seconds 20] [--ops 40]
//   page weight: bytes of the page's three files as served
//   update latency: from a write being acknowledged by the leader (its commit) to the page showing the leader's new
//     commit index (the page's 'dashboard-node' event, same machine clock), one write every 250 ms
//   CPU cost of being watched: the nodes' utime+stime from /proc/PID/stat over the same number of seconds, first
//     with nothing watching, then with the dashboard (its own process) and one page open; plus the dashboard's own.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';
import { defineCli, readCli } from '../../src/util/cli-args.js';
import { decimal, integer } from '../../src/util/cli-options.js';
import { startLocalCluster } from '../../src/node/local-cluster.js';
import { findFreePorts } from '../../src/node/ports.js';
import { RpcClient } from '../../src/rpc/client.js';
import { percentile } from '../../src/util/percentile.js';
import { CHROMIUM, CHROMIUM_ARGS } from './browser.js';

const DASHBOARD_JS = fileURLToPath(new URL('../../src/dashboard/cli.js', import.meta.url));
const TICKS = 100; // USER_HZ on Linux

function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return ((Number(rest[11]) + Number(rest[12])) * 1000) / TICKS;
}

async function main(): Promise<void> {
  const { seconds, ops } = readCli(defineCli({
    program: 'measure',
    usage: 'node dist/test/dashboard/measure.js [options]',
    options: {
      seconds: decimal('CPU measurement, each way', { min: 1, max: 3600, default: 20, placeholder: 'S' }),
      ops: integer('writes timed to the page', { min: 1, max: 100_000, default: 40 }),
    },
  })).values;
  const dir = mkdtempSync(join(tmpdir(), 'dash-measure-'));
  const cluster = await startLocalCluster({ nodes: 5, ports: await findFreePorts(5), dataDir: join(dir, 'c'), logLevel: 'warn' });
  const pids = (): number[] => cluster.nodes.map((n) => n.pid!);
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  let dash: ReturnType<typeof spawn> | null = null;
  const ctx = await chromium.launchPersistentContext(join(dir, 'profile'), { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const leader = await cluster.waitForLeader(10_000);
    await sleep(2000);
    // 1. Nothing watching.
    let c0 = sum(pids().map(cpuMs));
    await sleep(seconds * 1000);
    const idle = sum(pids().map(cpuMs)) - c0;

    // 2. The dashboard as its own process, one page open.
    dash = spawn(process.execPath, [DASHBOARD_JS, '--nodes', cluster.endpoints.join(',')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('dashboard did not print its address')), 15_000);
      createInterface({ input: dash!.stdout! }).on('line', (l) => {
        const m = /^dashboard (\S+)$/.exec(l);
        if (m) {
          clearTimeout(t);
          resolve(m[1]);
        }
      });
    });
    let bytes = 0;
    for (const p of ['', 'app.js', 'app.css']) bytes += (await (await fetch(new URL(p, url))).arrayBuffer()).byteLength;
    const page = await ctx.newPage();
    await page.goto(url);
    await sleep(2000);
    c0 = sum(pids().map(cpuMs));
    const d0 = cpuMs(dash.pid!);
    await sleep(seconds * 1000);
    const watched = sum(pids().map(cpuMs)) - c0;
    const dashCpu = cpuMs(dash.pid!) - d0;

    // 3. Update latency: commit acknowledged -> page shows it.
    await page.evaluate(
      "window.__seen = []; document.addEventListener('dashboard-node', (e) => window.__seen.push(e.detail));",
    );
    const [host, port] = leader.id.split(':');
    const rpc = new RpcClient(host, Number(port), { timeoutMs: 5000 });
    const acks: { index: number; at: number }[] = [];
    for (let i = 0; i < ops; i++) {
      const st = (await rpc.call('status', [])) as { lastLogIndex: number };
      await rpc.call('addEntry', [`measure-${i}-${Date.now()}`, `m${i}`]);
      acks.push({ index: st.lastLogIndex + 1, at: Date.now() });
      await sleep(250);
    }
    await sleep(1000);
    rpc.close();
    const seen = (await page.evaluate('window.__seen')) as { id: string; commitIndex: number; at: number }[];
    const lat = acks.map((a) => {
      const s = seen.find((x) => x.id === leader.id && x.commitIndex >= a.index);
      return s === undefined ? NaN : Math.max(0, s.at - a.at);
    });
    const ok = lat.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
    console.log(`page weight: ${(bytes / 1024).toFixed(1)} KB (index.html + app.js + app.css, uncompressed; nothing else is fetched)`);
    console.log(
      `update latency (leader ack -> page shows its commit index), ${ok.length}/${ops} seen: ` +
        `p50 ${percentile(ok, 0.5)} ms, p90 ${percentile(ok, 0.9)} ms, max ${ok[ok.length - 1]} ms`,
    );
    console.log(
      `nodes' CPU over ${seconds} s: unwatched ${idle.toFixed(0)} ms, watched ${watched.toFixed(0)} ms ` +
        `(+${(((watched - idle) / seconds / 5) / 10).toFixed(2)}% of a core per node); dashboard process ${dashCpu.toFixed(0)} ms ` +
        `(${(dashCpu / seconds / 10).toFixed(1)}% of a core)`,
    );
  } finally {
    await ctx.close();
    dash?.kill('SIGTERM');
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
