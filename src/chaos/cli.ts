// npm run chaos -- [--nodes 5] [--seconds 60] [--clients 4] [--seed S] [--keep-dir] [--quiet] [--history FILE] [--report FILE.html]
// Runs a chaos test on real node processes and prints a summary; exit code 1 if any check failed, 2 on bad arguments
// (an output file that cannot be written is refused before anything starts).
// npm run chaos -- --check-history FILE: no run; checks a history file (ours, or one another client wrote in the same
// format) for linearizability of its setVal/getVal operations: exit 0 ok, 1 violation or undecided, 2 unreadable.
import { readFileSync, writeFileSync } from 'node:fs';
import { CliUsageError, defineCli, readCli, type Parsed } from '../util/cli-args.js';
import { flag, integer, text } from '../util/cli-options.js';
import { checkKvHistory } from '../check/kv-model.js';
import { parseHistory } from './history-file.js';
import { toKvOperations } from './op-record.js';
import { formatChaosReport } from './report.js';
import { runChaos } from './run-chaos.js';

const CHAOS_CLI = defineCli({
  program: 'chaos',
  usage: ['npm run chaos -- [options]', 'npm run chaos -- --check-history FILE'],
  summary: 'A chaos test on real node processes (partitions, kills, pauses) with linearizability and raftlog checks.',
  options: {
    nodes: integer('cluster size (a partition needs a majority to survive)', { min: 3, max: 99, default: 5 }),
    seconds: integer('how long the faults go on', { min: 1, max: 86_400, default: 60, placeholder: 'T' }),
    clients: integer('concurrent clients', { min: 1, max: 1000, default: 4, placeholder: 'C' }),
    seed: integer('seed of the fault schedule', { min: 0, max: Number.MAX_SAFE_INTEGER, placeholder: 'S', defaultText: 'random' }),
    'keep-dir': flag("keep the nodes' data folder"),
    quiet: flag('no progress lines'),
    history: text('write every operation as JSON lines', { placeholder: 'FILE' }),
    report: text('write the timeline as HTML', { placeholder: 'FILE.html' }),
    'check-history': text('no run: check this history file for linearizability (alone)', { placeholder: 'FILE' }),
  },
});

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
    console.error(`${CHAOS_CLI.program}: --check-history ${file}: ${code !== undefined ? `cannot read it (${code})` : (err as Error).message}`);
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

/** A run's arguments, or the file --check-history judges (alone). */
function argsOf({ values: v, given }: Parsed<typeof CHAOS_CLI.options>): Args | { checkHistory: string } {
  if (v['check-history'] !== undefined) {
    if (given.size !== 1) throw new CliUsageError('--check-history takes exactly one file and nothing else');
    return { checkHistory: v['check-history'] };
  }
  const out: Args = { nodes: v.nodes, seconds: v.seconds, clients: v.clients, seed: v.seed, keepDir: v['keep-dir'], quiet: v.quiet, historyFile: v.history, reportFile: v.report };
  if (out.historyFile !== undefined && out.historyFile === out.reportFile) throw new CliUsageError('--history and --report need different files');
  return out;
}

/** Refuses an output file that cannot be written now rather than after minutes of chaos: the message, or null. */
function unwritable(args: Args): string | null {
  for (const [name, file] of [['--history', args.historyFile], ['--report', args.reportFile]] as const) {
    if (file === undefined) continue;
    try {
      writeFileSync(file, '');
    } catch (err) {
      return `${name} ${file}: cannot write it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
    }
  }
  return null;
}

async function main(): Promise<number> {
  const args = readCli(CHAOS_CLI, argsOf);
  if ('checkHistory' in args) return checkHistoryFile(args.checkHistory);
  const refused = unwritable(args);
  if (refused !== null) {
    console.error(`${CHAOS_CLI.program}: ${refused}`);
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
