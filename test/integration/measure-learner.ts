// Measures how long `member add` takes for a node far behind (issue 14): three voters and one node outside the
// cluster, N writes at C in flight, then member add (learner, catch-up from the leader's raftlog, promotion, both
// committed). Not a test (mocha skips it); after building:
//   node dist/test/integration/measure-learner.js [--entries 100000] [--concurrency 64]
import { rmSync } from 'node:fs';
import { RaftClient } from '../../src/client/raft-client.js';
import { defineCli, readCli } from '../../src/util/cli-args.js';
import { integer } from '../../src/util/cli-options.js';
import { startTestCluster } from './helpers.js';

const CLI = defineCli({
  program: 'measure-learner',
  usage: 'node dist/test/integration/measure-learner.js [options]',
  summary: 'Time to add a node that is many entries behind: learner, catch-up, promotion.',
  options: {
    entries: integer('entries written before the node is added', { min: 1, max: 10_000_000, default: 100_000 }),
    concurrency: integer('writes in flight', { min: 1, max: 1024, default: 64 }),
  },
});

async function main(): Promise<void> {
  const { entries, concurrency } = readCli(CLI, (r) => r.values);
  const { dir, cluster } = await startTestCluster('measure-learner-', 4, { initialVoters: 3 });
  try {
    const ids = cluster.nodes.map((n) => n.id);
    await cluster.waitForLeader(20_000);
    const client = new RaftClient(ids.slice(0, 3), { timeoutMs: 5000, deadlineMs: 60_000 });
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < entries) {
          const k = next++;
          if (!(await client.addEntry(`e${k}`, `learner-${k}`)).ok) throw new Error(`write ${k} was not committed`);
        }
      }),
    );
    console.log(`wrote ${entries} entries in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const admin = new RaftClient(ids.slice(0, 3), { timeoutMs: 5000, deadlineMs: 120_000, credentials: cluster.security.credentials });
    const t1 = performance.now();
    const conf = await admin.member('add', ids[3]);
    console.log(`member add of a node ${entries} entries behind: ${(performance.now() - t1).toFixed(0)} ms; voters now ${conf.voters.length}`);
    client.close();
    admin.close();
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(`measure-learner: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
