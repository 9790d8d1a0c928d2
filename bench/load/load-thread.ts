// Entry point of a client thread (node:worker_threads): builds its own client and runs its share of a closed loop,
// so one saturated event loop does not cap what the cluster under test can show.
import { parentPort, workerData } from 'node:worker_threads';
import { makeClient } from '../clients/make-client.js';
import type { ClientSpec } from '../clients/kv-client.js';
import { runClosedLoop, type LoadJob } from './closed-loop.js';

export interface ThreadJob {
  client: ClientSpec;
  job: LoadJob;
}

async function main(): Promise<void> {
  const { client: spec, job } = workerData as ThreadJob;
  const client = makeClient(spec);
  try {
    const part = await runClosedLoop(client, job);
    parentPort!.postMessage(part, [part.latencies.buffer as ArrayBuffer, part.starts.buffer as ArrayBuffer]);
  } finally {
    client.close();
  }
}

main().catch((err: unknown) => {
  parentPort!.postMessage({ error: err instanceof Error ? err.message : String(err) });
});
