// Every command of package.json (and the benchmark helpers run with plain node), as a real process the way npm runs it:
// --help prints a usage naming its options and exits 0; an unknown option is one line `<program>: ... (try --help)`
// on stderr, exit 2, before the command does anything.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));

/** Options each command's usage must name (a few users rely on, not the whole list); also its program name. */
const EXPECTED: Record<string, { program: string; options: string[] }> = {
  cluster: { program: 'cluster', options: ['--nodes', '--base-port', '--data-dir', '--dashboard', '--read-mode', '--insecure'] },
  dashboard: { program: 'dashboard', options: ['--nodes', '--config', '--inventory', '--port', '--listen'] },
  node: { program: 'node', options: ['--config', '--data-dir', '--address-file', '--id', '--listen', '--log-level', '--max-connections', '--secrets', '--insecure'] },
  run_client: { program: 'run_client', options: ['--nodes', '--config', '--inventory', '--count', '--concurrency', '--timeout', '--deadline', '--secrets', '--verbose'] },
  'testbed:up': { program: 'testbed:up', options: ['--hosts', '--inventory', '--prefix', '--subnet'] },
  'testbed:down': { program: 'testbed:down', options: ['--prefix'] },
  sim: { program: 'sim', options: ['--seed', '--seeds', '--nodes', '--steps', '--faults', '--variant', '--extra-checks', '--read-mode'] },
  chaos: { program: 'chaos', options: ['--nodes', '--seconds', '--clients', '--seed', '--keep-dir', '--quiet', '--history', '--report', '--check-history'] },
  bench: { program: 'bench', options: ['--nodes', '--endpoints', '--seconds', '--concurrency', '--compare', '--etcd-timeouts', '--json', '--phases', '--deadline-seconds', '--read-mode'] },
  get_raftlog: { program: 'get_raftlog', options: ['--inventory', '--hosts', '--out'] },
};
const DEPLOY_OPTIONS = ['--inventory', '--hosts', '--connect-timeout', '--host-timeout', '--no-build', '--with-node', '--out', '--insecure'];

/** Helpers that are not npm scripts but take options too. */
const EXTRA: { name: string; argv: string[]; program: string; options: string[] }[] = [
  { name: 'rpc-cost', argv: ['dist/bench/rpc-cost/cli.js'], program: 'rpc-cost', options: ['--in-flight', '--calls', '--rounds', '--burn-ms', '--cpu-prof'] },
  { name: 'profile-top', argv: ['dist/bench/profile-top.js'], program: 'profile-top', options: ['--top'] },
  { name: 'echo-bench', argv: ['dist/src/rpc/echo-bench.js'], program: 'echo-bench', options: ['--seconds'] },
];

interface Command {
  name: string;
  /** Script and fixed arguments, relative to the repository. */
  argv: string[];
  program: string;
  options: string[];
}

function commands(): Command[] {
  const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const out: Command[] = [];
  for (const [name, line] of Object.entries(pkg.scripts)) {
    const words = line.split(' ');
    if (words[0] !== 'node' || !words[1]?.startsWith('dist/')) continue; // build, test: not ours
    const e = EXPECTED[name] ?? (name.startsWith('deploy:') ? { program: name, options: DEPLOY_OPTIONS } : undefined);
    if (e === undefined) throw new Error(`package.json script ${name} is a command this test does not know: add it to EXPECTED`);
    out.push({ name, argv: words.slice(1), ...e });
  }
  return [...out, ...EXTRA];
}

describe('--help and unknown options on every command (real processes)', function () {
  this.timeout(120_000);
  let cwd: string;
  before(() => {
    // An empty folder: nothing a command might find (inventory.json, data/cluster) changes what it prints.
    cwd = mkdtempSync(path.join(tmpdir(), 'cli-help-'));
  });
  after(() => rmSync(cwd, { recursive: true, force: true }));

  const run = (c: Command, extra: string[]) =>
    spawnSync(process.execPath, [path.join(REPO, c.argv[0]), ...c.argv.slice(1), ...extra], { cwd, encoding: 'utf8', timeout: 20_000 });

  it('covers every command of package.json', () => {
    const names = commands().map((c) => c.name);
    expect(names.length).to.be.greaterThan(20);
    for (const n of ['cluster', 'node', 'run_client', 'deploy:start', 'get_raftlog', 'testbed:up', 'sim', 'chaos', 'bench', 'dashboard']) expect(names).to.include(n);
  });

  for (const c of commands()) {
    it(`${c.name}: --help prints its usage and exits 0; --frobnicate is one error line and exit 2`, () => {
      const help = run(c, ['--help']);
      expect(help.status, help.stderr).to.equal(0);
      expect(help.stderr).to.equal('');
      expect(help.stdout).to.match(/^usage: /);
      for (const o of [...c.options, '--help']) expect(help.stdout, o).to.match(new RegExp(`(^|[\\s,])${o}\\b`, 'm'));

      const bad = run(c, ['--frobnicate']);
      expect(bad.status, bad.stderr).to.equal(2);
      expect(bad.stdout).to.equal('');
      expect(bad.stderr).to.equal(`${c.program}: unknown option --frobnicate (try --help)\n`);
    });
  }

  it('node: a missing --config and options that exclude each other are one line, exit 2, before anything starts', () => {
    const node = commands().find((c) => c.name === 'node')!;
    const cases: [string[], string][] = [
      [[], 'node: missing --config FILE (the cluster configuration) (try --help)\n'],
      [['--config', 'c.json', '--id', '127.0.0.1:1', '--address-file', 'a'], 'node: give either --id or --address-file, not both (try --help)\n'],
      [['--config', 'c.json', '--insecure', '--secrets', 's'], 'node: give either --secrets or --insecure, not both (try --help)\n'],
      [['--config', 'c.json', '--max-connections', '8'], 'node: --max-connections must be a whole number >= 16 (or 0 for the default), got "8" (try --help)\n'],
      [['--config', 'c.json', '--log-level', 'loud'], 'node: --log-level takes error, warn, info or debug, got "loud" (try --help)\n'],
    ];
    for (const [argv, line] of cases) {
      const r = run(node, argv);
      expect([r.status, r.stdout, r.stderr], argv.join(' ')).to.deep.equal([2, '', line]);
    }
  });

  it('suggests the option meant when the name is close', () => {
    const cluster = commands().find((c) => c.name === 'cluster')!;
    const r = run(cluster, ['--node', '3']);
    expect([r.status, r.stderr]).to.deep.equal([2, 'cluster: unknown option --node, did you mean --nodes? (try --help)\n']);
    const client = commands().find((c) => c.name === 'run_client')!;
    const t = run(client, ['--timeout', 'soon']);
    expect([t.status, t.stderr]).to.deep.equal([2, 'run_client: --timeout must be a whole number >= 1, got "soon" (try --help)\n']);
  });
});
