// Reads the .cpuprofile files `npm run bench -- --cpu-prof DIR` left behind (one per node process) and prints, for the
// busiest process (under load, the leader), the functions with the most self time. Usage:
//   node dist/bench/profile-top.js DIR [--top N]
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CliUsageError, defineCli, readCli } from '../src/util/cli-args.js';
import { integer } from '../src/util/cli-options.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Idle and GC pseudo-frames are reported, but "busy" means everything except idle. */
const IDLE = new Set(['(idle)', '(program)']);

export interface SelfTime {
  name: string;
  ms: number;
  percentOfBusy: number;
}

export function selfTimes(p: CpuProfile): { busyMs: number; wallMs: number; top: SelfTime[]; byFile: SelfTime[] } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const ms = new Map<string, number>();
  /** Self time per source file ("(native)" for V8/libuv built-ins such as writev): where the time goes by module. */
  const files = new Map<string, number>();
  let busy = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const n = byId.get(p.samples[i]);
    if (!n) continue;
    // timeDeltas[i] is the time before sample i; the next delta is the closest estimate of this sample's duration.
    const dt = (p.timeDeltas[i + 1] ?? p.timeDeltas[i] ?? 0) / 1000;
    const f = n.callFrame;
    const where = f.url ? `${basename(f.url)}:${f.lineNumber + 1}` : '';
    const name = `${f.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
    ms.set(name, (ms.get(name) ?? 0) + dt);
    if (!IDLE.has(f.functionName)) {
      busy += dt;
      const file = f.url ? basename(f.url) : f.functionName.startsWith('(') ? f.functionName : '(native)';
      files.set(file, (files.get(file) ?? 0) + dt);
    }
  }
  const rank = (m: Map<string, number>): SelfTime[] =>
    [...m.entries()]
      .filter(([name]) => !IDLE.has(name))
      .sort((a, b) => b[1] - a[1])
      .map(([name, t]) => ({ name, ms: Math.round(t), percentOfBusy: Math.round((t / busy) * 1000) / 10 }));
  return { busyMs: Math.round(busy), wallMs: Math.round((p.endTime - p.startTime) / 1000), top: rank(ms), byFile: rank(files) };
}

const PROFILE_TOP_CLI = defineCli({
  program: 'profile-top',
  usage: 'node dist/bench/profile-top.js DIR [--top N]',
  summary: 'The functions and files with the most self time in the busiest .cpuprofile in DIR (from bench --cpu-prof).',
  maxPositionals: 1,
  options: {
    top: integer('how many rows', { min: 1, max: 10_000, default: 15 }),
  },
});

function main(): void {
  const { values, positionals } = readCli(PROFILE_TOP_CLI, (r) => {
    if (r.positionals.length !== 1) throw new CliUsageError('give the folder holding the .cpuprofile files');
    return r;
  });
  const dir = positionals[0];
  const topN = values.top;
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  } catch (err) {
    process.stderr.write(`profile-top: cannot read ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
    process.exit(2);
  }
  if (files.length === 0) {
    process.stderr.write(`profile-top: no .cpuprofile files in ${dir}\n`);
    process.exit(2);
  }
  const all = files.map((f) => ({ f, r: selfTimes(JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile) }));
  all.sort((a, b) => b.r.busyMs - a.r.busyMs);
  for (const { f, r } of all) process.stdout.write(`${f}: busy ${r.busyMs} ms of ${r.wallMs} ms\n`);
  const { f, r } = all[0];
  process.stdout.write(`\ntop ${topN} functions by self time in the busiest process (${f}):\n`);
  const line = (t: SelfTime): string => `${String(t.ms).padStart(7)} ms  ${t.percentOfBusy.toFixed(1).padStart(5)}%  ${t.name}\n`;
  for (const t of r.top.slice(0, topN)) process.stdout.write(line(t));
  process.stdout.write(`\nself time by source file (native = built-ins such as writev, fdatasync):\n`);
  for (const t of r.byFile.slice(0, topN)) process.stdout.write(line(t));
}

main();
