// npm run sim -- --seed S [--seeds COUNT] --nodes N --steps K [--faults all|none|loss,dup,...] [--variant NAME]
// Runs one seed (printing its summary, or the violation with the replay command) or a range of seeds (printing
// totals and stopping at the first violation). Exit code 1 on a violation, 2 on bad arguments.
import { parseFaults } from './faults.js';
import { addToTotals, emptyTotals, formatSummary, formatTotals, formatViolation } from './report.js';
import { runSimulation, type SimOptions } from './simulation.js';
import { VARIANTS, findVariant } from './variants.js';

const USAGE = `usage: npm run sim -- [--seed S] [--seeds COUNT] [--nodes N] [--steps K] [--faults all|none|LIST] [--variant NAME]
  [--extra-checks on|off]  (off: only the five invariants and the client guarantees judge the run)
  [--read-mode index|lease]  (lease: leader leases for reads, every node's clock at its own rate)
  faults: loss, dup, reorder, partition, oneway, crash, pause, suspend (default all)
  variants: ${VARIANTS.map((v) => v.name).join(', ')} (default correct)`;

function parseArgs(argv: string[]): { opts: SimOptions; seeds: number } {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') throw new Error(USAGE);
    if (!a.startsWith('--') || i + 1 >= argv.length) throw new Error(`bad argument ${a}\n${USAGE}`);
    flags.set(a.slice(2), argv[++i]);
  }
  const int = (name: string, dflt: number, min: number): number => {
    const v = flags.get(name);
    flags.delete(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got ${v}`);
    return n;
  };
  const opts: SimOptions = {
    seed: int('seed', 1, 0),
    nodes: int('nodes', 5, 1),
    steps: int('steps', 2000, 1),
    faults: parseFaults(flags.get('faults') ?? 'all'),
    variant: findVariant(flags.get('variant') ?? 'correct'),
  };
  const seeds = int('seeds', 1, 1);
  const extra = flags.get('extra-checks') ?? 'on';
  if (extra !== 'on' && extra !== 'off') throw new Error(`--extra-checks takes on or off, got ${extra}`);
  opts.extraChecks = extra === 'on';
  const readMode = flags.get('read-mode');
  if (readMode !== undefined && readMode !== 'index' && readMode !== 'lease') throw new Error(`--read-mode takes index or lease, got ${readMode}`);
  if (readMode !== undefined) opts.readMode = readMode;
  flags.delete('read-mode');
  flags.delete('faults');
  flags.delete('variant');
  flags.delete('extra-checks');
  if (flags.size > 0) throw new Error(`unknown option --${[...flags.keys()][0]}\n${USAGE}`);
  return { opts, seeds };
}

async function main(): Promise<number> {
  let parsed: { opts: SimOptions; seeds: number };
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    return 2;
  }
  const { opts, seeds } = parsed;
  if (seeds === 1) {
    const r = await runSimulation(opts);
    console.log(formatSummary(r.summary));
    console.log(`trace hash ${r.traceHash}`);
    if (!r.ok) {
      console.log(formatViolation(r));
      return 1;
    }
    console.log('verdict: ok (five invariants held after every step; history linearizable; liveness within bound)');
    return 0;
  }
  const totals = emptyTotals();
  const started = Date.now();
  for (let s = opts.seed; s < opts.seed + seeds; s++) {
    const r = await runSimulation({ ...opts, seed: s });
    addToTotals(totals, r);
    if (!r.ok) {
      console.log(formatViolation(r));
      console.log(formatTotals(totals));
      return 1;
    }
  }
  console.log(formatTotals(totals));
  console.log(`verdict: ok, seeds ${opts.seed}..${opts.seed + seeds - 1}, ${((Date.now() - started) / 1000).toFixed(1)} s wall`);
  return 0;
}

main().then((code) => {
  process.exitCode = code;
});
