// npm run chaos -- [--nodes 5] [--seconds 60] [--clients 4] [--seed S] [--keep-dir] [--quiet]
// Runs a chaos test on real node processes and prints a summary; exit code 1 if any check failed, 2 on bad arguments.
import { formatChaosReport } from './report.js';
import { runChaos } from './run-chaos.js';

const USAGE = 'usage: npm run chaos -- [--nodes N] [--seconds T] [--clients C] [--seed S] [--keep-dir] [--quiet]';

function parse(argv: string[]): { nodes: number; seconds: number; clients: number; seed?: number; keepDir: boolean; quiet: boolean } {
  const out = { nodes: 5, seconds: 60, clients: 4, seed: undefined as number | undefined, keepDir: false, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--keep-dir') out.keepDir = true;
    else if (a === '--quiet') out.quiet = true;
    else if (a === '--nodes' || a === '--seconds' || a === '--clients' || a === '--seed') {
      const n = Number(argv[++i]);
      if (!Number.isSafeInteger(n) || n < (a === '--seed' ? 0 : 1)) throw new Error(`${a} needs a positive integer\n${USAGE}`);
      if (a === '--nodes') out.nodes = n;
      else if (a === '--seconds') out.seconds = n;
      else if (a === '--clients') out.clients = n;
      else out.seed = n;
    } else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  if (out.nodes < 3) throw new Error('--nodes must be at least 3 (a partition needs a majority to survive)');
  return out;
}

async function main(): Promise<number> {
  let args;
  try {
    args = parse(process.argv.slice(2));
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    return 2;
  }
  const t0 = performance.now();
  const log = args.quiet ? undefined : (line: string) => console.log(`${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s  ${line}`);
  const report = await runChaos({ ...args, log });
  console.log(formatChaosReport(report));
  if (args.keepDir) console.log(`data kept in ${report.dataDir}`);
  return report.ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`chaos run failed: ${err instanceof Error ? err.stack : String(err)}`);
    process.exitCode = 1;
  },
);
