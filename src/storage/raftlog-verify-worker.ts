// Worker thread body for verifyFileInWorker (raftlog-verify.ts): checks every line's checksum, posts the first bad one.
import { parentPort, workerData } from 'node:worker_threads';
import { verifyFile } from './raftlog-verify.js';

const { path, size } = workerData as { path: string; size: number };
try {
  parentPort?.postMessage({ bad: verifyFile(path, size) });
} catch (err) {
  parentPort?.postMessage({ error: (err as Error).message });
}
