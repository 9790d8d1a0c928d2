// Regenerates docs/dashboard.png for the README: a 5-node local cluster taken through a leader kill and restart,
// some client operations, a suspended follower and an old leader cut off with an entry it could not commit.
// Not a test; run after building:  node dist/test/dashboard/screenshot.js [--out docs/dashboard.png]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';
import { startDashboard } from '../../src/dashboard/server.js';
import { defineCli, readCli } from '../../src/util/cli-args.js';
import { text } from '../../src/util/cli-options.js';
import { startLocalCluster } from '../../src/node/local-cluster.js';
import { findFreePorts } from '../../src/node/ports.js';
import { RpcClient } from '../../src/rpc/client.js';
import { CHROMIUM, CHROMIUM_ARGS } from './browser.js';

async function main(): Promise<void> {
  const out = readCli(defineCli({
    program: 'screenshot',
    usage: 'node dist/test/dashboard/screenshot.js [--out FILE]',
    options: { out: text('the PNG to write', { placeholder: 'FILE', default: 'docs/dashboard.png' }) },
  })).values.out;
  const dir = mkdtempSync(join(tmpdir(), 'dash-shot-'));
  const c = await startLocalCluster({ nodes: 5, ports: await findFreePorts(5), dataDir: join(dir, 'c'), logLevel: 'warn' });
  const index = (id: string): number => c.nodes.findIndex((n) => n.id === id);
  const dash = await startDashboard({
    nodes: c.endpoints,
    credentials: c.security.credentials,
    source: 'data/cluster/cluster.json',
    processes: { kill: (id) => c.kill(index(id)), restart: (id) => c.restart(index(id)), running: (id) => c.nodes[index(id)].process !== null },
  });
  const ctx = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1440, height: 900 },
  });
  const post = (path: string, body: unknown): Promise<Response> =>
    fetch(new URL(path, dash.url), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  try {
    const page = await ctx.newPage();
    await page.goto(dash.url);
    let leader = await c.waitForLeader(10_000);
    for (const d of ['hello', 'raft', 'over', 'xml-rpc']) {
      await page.fill('#op-add input[name="data"]', d);
      await page.click('#op-add button');
      await sleep(300);
    }
    await sleep(3000);
    await post(`/api/node/${encodeURIComponent(leader.id)}/kill`, {});
    const killed = leader.id;
    await sleep(1500);
    leader = await c.waitForLeader(10_000, [index(killed)]);
    for (let i = 0; i < 6; i++) await post('/api/op', { op: 'add', data: `e${i}` });
    await page.click('#op-set button');
    await page.click('#op-get button');
    await sleep(3000);
    await post(`/api/node/${encodeURIComponent(killed)}/restart`, {});
    await sleep(4000);
    for (let i = 0; i < 5; i++) await post('/api/op', { op: 'add', data: `f${i}` });
    await sleep(2000);
    // Cut the leader off and hand it a write at once: the entry sits in its log, uncommitted, until it rejoins.
    const others = c.endpoints.filter((e) => e !== leader.id);
    await post(`/api/node/${encodeURIComponent(leader.id)}/isolate`, { peers: others, seconds: 30 });
    const [h, p] = leader.id.split(':');
    const rpc = new RpcClient(h, Number(p), { timeoutMs: 300 });
    await Promise.allSettled([0, 1].map((i) => rpc.call('addEntry', [`lost-${i}`, `lost${i}`])));
    rpc.close();
    await sleep(1500);
    for (let i = 0; i < 3; i++) await post('/api/op', { op: 'add', data: `g${i}` });
    const follower = c.endpoints.find((e) => e !== leader.id && e !== killed) ?? c.endpoints[0];
    await post(`/api/node/${encodeURIComponent(follower)}/suspend`, { seconds: 30 });
    await sleep(2500);
    await page.screenshot({ path: out, fullPage: true });
    console.log(`wrote ${out}`);
  } finally {
    await ctx.close();
    await dash.close();
    await c.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
