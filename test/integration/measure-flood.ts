// Measures overload without collapse (issue 11): a steady writer (RaftClient, C in flight) against a fresh 3-node
// cluster, then a flood against the leader, then quiet again; per phase the write rate, failed writes and the leader's
// term, and the leader's connection-guard counts from its log. Not a test (mocha skips it); after building:
//   node dist/test/integration/measure-flood.js [--idle 3000] [--busy 200] [--seconds 5] [--concurrency 4]
//     [--max-connections 0]   (the nodes' --max-connections; 0 = half the open-files limit)
// Idle: TCP connections that never send a byte. Busy: connections each sending status calls back to back.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request, Agent } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RaftClient } from '../../src/client/raft-client.js';
import { defineCli, readCli } from '../../src/util/cli-args.js';
import { decimal, integer, text } from '../../src/util/cli-options.js';
import { startLocalCluster } from '../../src/node/local-cluster.js';
import { findFreePorts } from '../../src/node/ports.js';

const STATUS_CALL = '<?xml version="1.0"?><methodCall><methodName>status</methodName><params/></methodCall>';

async function main(): Promise<void> {
  const { values: f } = readCli(defineCli({
    program: 'measure-flood',
    usage: 'node dist/test/integration/measure-flood.js [options]',
    options: {
      idle: integer('TCP connections that never send a byte', { min: 0, max: 1_000_000, default: 3000 }),
      busy: integer('connections sending status calls back to back', { min: 0, max: 100_000, default: 200 }),
      seconds: decimal('per phase', { min: 0.1, max: 3600, default: 5, placeholder: 'S' }),
      concurrency: integer('the steady writer\'s calls in flight', { min: 1, max: 4096, default: 4 }),
      'max-connections': text('the nodes\' --max-connections (0: half the open-files limit)', { placeholder: 'N', default: '0' }),
    },
  }));
  const { idle, busy, seconds, concurrency } = f;
  const dir = mkdtempSync(join(tmpdir(), 'raft-flood-'));
  const cluster = await startLocalCluster({
    nodes: 3,
    ports: await findFreePorts(3),
    dataDir: dir,
    logLevel: 'warn',
    extraArgs: ['--max-connections', f['max-connections']],
  });
  const client = new RaftClient(cluster.endpoints, { timeoutMs: 2000, deadlineMs: 5000 });
  const sockets: Socket[] = [];
  let flooding = false;
  let busyCalls = 0;
  let busyFailed = 0;
  try {
    const leader = await cluster.waitForLeader(20_000);
    const port = cluster.nodes[leader.index].port;
    let ok = 0;
    let failed = 0;
    let running = true;
    let seq = 0;
    const writers = Array.from({ length: concurrency }, async () => {
      while (running) {
        try {
          const r = await client.addEntry('flood-test', `w-${++seq}`);
          if (r.ok) ok++;
          else failed++;
        } catch {
          failed++;
        }
      }
    });
    const phase = async (name: string): Promise<void> => {
      const [ok0, failed0] = [ok, failed];
      await new Promise((r) => setTimeout(r, seconds * 1000));
      const st = await cluster.status(leader.index, 3000);
      console.log(
        `${name.padEnd(7)} ${((ok - ok0) / seconds).toFixed(0).padStart(6)} writes/s acknowledged, ${failed - failed0} failed; ` +
          `leader ${leader.id} ${st === null ? 'did not answer status' : `is ${st.role} in term ${st.term}`} (started in term ${leader.term})` +
          (name === 'during' ? `; busy flood: ${busyCalls} status calls answered, ${busyFailed} failed; ${sockets.length} idle sockets opened` : ''),
      );
    };
    await phase('before');

    flooding = true;
    for (let k = 0; k < idle; k++) {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => undefined);
      sockets.push(s);
    }
    // Each busy connection has its own agent with one socket, so every loop is one connection calling back to back.
    const busyLoops = Array.from({ length: busy }, async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      while (flooding) {
        await new Promise<void>((resolve) => {
          const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent, headers: { 'Content-Type': 'text/xml' } }, (res) => {
            res.resume();
            res.on('end', () => {
              if (res.statusCode === 200) busyCalls++;
              else busyFailed++;
              resolve();
            });
          });
          req.setTimeout(5000, () => req.destroy());
          req.on('error', () => {
            busyFailed++;
            setTimeout(resolve, 50);
          });
          req.end(STATUS_CALL);
        });
      }
      agent.destroy();
    });
    await phase('during');
    flooding = false;
    for (const s of sockets) s.destroy();
    await Promise.all(busyLoops);
    await phase('after');
    running = false;
    await Promise.all(writers);
    const log = readFileSync(join(cluster.nodes[leader.index].dataDir, 'node.log'), 'utf8');
    const overload = log.split('\n').filter((l) => l.includes('overload:'));
    console.log(`leader's log: ${overload.length} overload line(s); last: ${overload.at(-1) ?? '(none)'}`);
  } finally {
    flooding = false;
    for (const s of sockets) s.destroy();
    client.close();
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
