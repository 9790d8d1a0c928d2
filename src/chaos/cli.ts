// npm run chaos -- [--nodes 5] [--seconds 60] [--clients 4] [--seed S] [--keep-dir] [--quiet] [--history FILE] [--report FILE.html]
// Runs a chaos test on real node processes and prints a summary; exit code 1 if any check failed, 2 on bad arguments
// (an output file that cannot be written is refused before anything starts).
// npm run chaos -- --check-history FILE: no run; checks a history file (ours, or one another client wrote in the same
// format) for linearizability of its setVal/getVal operations: exit 0 ok, 1 violation or undecided, 2 unreadable.
import { readFileSync, writeFileSync } from 'node:fs';
import { checkKvHistory } from '../check/kv-model.js';
import { parseHistory } from './history-file.js';
import { toKvOperations } from './op-record.js';
import { formatChaosReport } from './report.js';
import { runChaos } from './run-chaos.js';

const USAGE =
  'usage: npm run chaos -- [--nodes N] [--seconds T] [--clients C] [--seed S] [--keep-dir] [--quiet] [--history FILE] [--report FILE.html]\n' +
  '       npm run chaos -- --check-history FILE';

/** Bound on a history file read back: about 4 million operations. */
const MAX_HISTORY_BYTES = 1 << 30;

function checkHistoryFile(file: string): number {
  let records;
  try {
    const text = readFileSync(file);
    if (text.length > MAX_HISTORY_BYTES) throw new Error(`larger than ${MAX_HISTORY_BYTES} bytes`);
    records = parseHistory(text.toString('utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    console.error(`--check-history ${file}: ${code !== undefined ? `cannot read it (${code})` : (err as Error).message}`);
    return 2;
  }
  const kv = toKvOperations(records);
  const result = checkKvHistory(kv);
  console.log(`${records.length} operations read; setVal/getVal linearizability over ${kv.length} of them: ${result.verdict}${result.message ? `\n  ${result.message}` : ''}`);
  return result.verdict === 'ok' ? 0 : 1;
}

interface Args {
  nodes: number;
  seconds: number;
  clients: number;
  seed?: number;
  keepDir: boolean;
  quiet: boolean;
  historyFile?: string;
  reportFile?: string;
}

function parse(argv: string[]): Args {
  const out: Args = { nodes: 5, seconds: 60, clients: 4, keepDir: false, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--keep-dir') out.keepDir = true;
    else if (a === '--quiet') out.quiet = true;
    else if (a === '--history' || a === '--report') {
      const file = argv[++i];
      if (file === undefined || file === '' || file.startsWith('--')) throw new Error(`${a} needs a file name\n${USAGE}`);
      if (a === '--history') out.historyFile = file;
      else out.reportFile = file;
    } else if (a === '--nodes' || a === '--seconds' || a === '--clients' || a === '--seed') {
      const n = Number(argv[++i]);
      if (!Number.isSafeInteger(n) || n < (a === '--seed' ? 0 : 1)) throw new Error(`${a} needs a positive integer\n${USAGE}`);
      if (a === '--nodes') out.nodes = n;
      else if (a === '--seconds') out.seconds = n;
      else if (a === '--clients') out.clients = n;
      else out.seed = n;
    } else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  if (out.nodes < 3) throw new Error('--nodes must be at least 3 (a partition needs a majority to survive)');
  if (out.historyFile !== undefined && out.historyFile === out.reportFile) throw new Error('--history and --report need different files');
  for (const [flag, file] of [['--history', out.historyFile], ['--report', out.reportFile]] as const) {
    if (file === undefined) continue;
    try {
      writeFileSync(file, ''); // refuse now rather than after minutes of chaos
    } catch (err) {
      throw new Error(`${flag} ${file}: cannot write it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  return out;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--check-history') {
    if (argv.length !== 2 || argv[1] === '') {
      console.error(`--check-history takes exactly one file and nothing else\n${USAGE}`);
      return 2;
    }
    return checkHistoryFile(argv[1]);
  }
  let args;
  try {
    args = parse(argv);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    return 2;
  }
  const t0 = performance.now();
  const log = args.quiet ? undefined : (line: string) => console.log(`${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s  ${line}`);
  const report = await runChaos({ ...args, log });
  console.log(formatChaosReport(report));
  if (args.historyFile !== undefined) console.log(`history (${report.ops.total} operations, JSON lines) written to ${args.historyFile}`);
  if (args.reportFile !== undefined) console.log(`timeline written to ${args.reportFile}`);
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
