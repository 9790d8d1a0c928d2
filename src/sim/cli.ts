// npm run sim -- [--seed S] [--seeds COUNT] [--nodes N] [--steps K] [--faults all|none|loss,dup,...] [--variant NAME]
// (--help lists every option)
// Runs one seed (printing its summary, or the violation with the replay command) or a range of seeds (printing
// totals and stopping at the first violation). Exit code 1 on a violation, 2 on bad arguments.
import { defineCli, readCli, type Parsed } from '../util/cli-args.js';
import { custom, flag, integer, oneOf } from '../util/cli-options.js';
import { FAULT_KINDS, parseFaults } from './faults.js';
import { addToTotals, emptyTotals, formatSummary, formatTotals, formatViolation } from './report.js';
import { runSimulation, type SimOptions } from './simulation.js';
import { VARIANTS, findVariant } from './variants.js';

const SIM_CLI = defineCli({
  program: 'sim',
  usage: 'npm run sim -- [options]',
  summary: 'Deterministic simulation of a cluster under faults; one seed, or a range stopping at the first violation.',
  options: {
    seed: integer('the (first) seed', { min: 0, max: Number.MAX_SAFE_INTEGER, default: 1, placeholder: 'S' }),
    seeds: integer('how many seeds from --seed on', { min: 1, max: Number.MAX_SAFE_INTEGER, default: 1, placeholder: 'COUNT' }),
    nodes: integer('cluster size', { min: 1, max: Number.MAX_SAFE_INTEGER, default: 5 }),
    steps: integer('simulation steps per seed', { min: 1, max: Number.MAX_SAFE_INTEGER, default: 2000, placeholder: 'K' }),
    faults: custom(`all, none or a list of ${FAULT_KINDS.join(', ')}`, 'all|none|LIST', parseFaults, { defaultText: 'all' }),
    variant: custom(`the core under test: ${VARIANTS.map((v) => v.name).join(', ')}`, 'NAME', findVariant, { defaultText: 'correct' }),
    'extra-checks': oneOf('off: only the five invariants and the client guarantees judge the run', ['on', 'off'], { default: 'on' }),
    'read-mode': oneOf("lease: leader leases for reads, every node's clock at its own rate", ['index', 'lease']),
    reconfig: flag('membership changes too: two spare nodes start outside the cluster, the leader is asked to add, promote and remove'),
  },
});

function optionsOf({ values: v }: Parsed<typeof SIM_CLI.options>): { opts: SimOptions; seeds: number } {
  const opts: SimOptions = {
    seed: v.seed,
    nodes: v.nodes,
    steps: v.steps,
    faults: v.faults ?? parseFaults('all'),
    variant: v.variant ?? findVariant('correct'),
    extraChecks: v['extra-checks'] === 'on',
  };
  if (v['read-mode'] !== undefined) opts.readMode = v['read-mode'];
  if (v.reconfig) opts.reconfig = true;
  return { opts, seeds: v.seeds };
}

async function main(): Promise<number> {
  const { opts, seeds } = readCli(SIM_CLI, optionsOf);
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
