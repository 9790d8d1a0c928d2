// Layers point one way (issue 13): the protocol module is a leaf that node, client, deploy and bench share; the node
// program does not reach into the client; the transport and storage layers know nothing of the node runtime; nothing
// in src/ depends on the deploy scripts, the benchmark or the tests. Read from the TypeScript sources themselves.
import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function tsFiles(dir: string, out: string[] = [], depth = 0): string[] {
  if (depth > 10) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) tsFiles(p, out, depth + 1);
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Every relative import and re-export of every .ts file under `top`: [importing file, imported file], repo-relative. */
function edges(top: string): [string, string][] {
  const out: [string, string][] = [];
  for (const file of tsFiles(join(ROOT, top))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+'(\.[^']+)'/gms)) {
      out.push([relative(ROOT, file), relative(ROOT, resolve(dirname(file), m[1]))]);
    }
  }
  return out;
}

const inside = (path: string, folder: string): boolean => path.startsWith(`${folder}/`);

describe('layering of the source folders', () => {
  const src = edges('src');

  it('finds the imports it checks (a parser that matched nothing would pass everything)', () => {
    expect(src.length).to.be.greaterThan(300);
    expect(src).to.deep.include(['src/node/main.ts', 'src/protocol/cluster-config.js']);
  });

  it('src/protocol imports only src/util and src/raft', () => {
    const bad = src.filter(([f, t]) => inside(f, 'src/protocol') && !['src/protocol', 'src/util', 'src/raft'].some((ok) => inside(t, ok)));
    expect(bad).to.deep.equal([]);
  });

  it('src/node imports nothing from src/client, src/dashboard, src/sim or src/chaos', () => {
    const above = ['src/client', 'src/dashboard', 'src/sim', 'src/chaos', 'src/cluster'];
    expect(src.filter(([f, t]) => inside(f, 'src/node') && above.some((a) => inside(t, a)))).to.deep.equal([]);
  });

  it('src/rpc and src/storage import nothing from src/node (the storage port lives in src/storage)', () => {
    const bad = src.filter(([f, t]) => (inside(f, 'src/rpc') || inside(f, 'src/storage')) && inside(t, 'src/node'));
    expect(bad).to.deep.equal([]);
  });

  it('src/raft imports only src/raft and src/util, and src/util imports nothing above it', () => {
    const bad = src.filter(
      ([f, t]) => (inside(f, 'src/raft') && !inside(t, 'src/raft') && !inside(t, 'src/util')) || (inside(f, 'src/util') && !inside(t, 'src/util')),
    );
    expect(bad).to.deep.equal([]);
  });

  it('nothing in src/ imports deploy/, bench/ or test/', () => {
    const bad = src.filter(([, t]) => ['deploy', 'bench', 'test'].some((d) => inside(t, d)));
    expect(bad).to.deep.equal([]);
  });

  it('the runtime and what the simulator runs with it reach time only through the Clock port', () => {
    // The simulator swaps the clock; a direct timer or clock read here would run on real time inside a simulated run.
    const simulated = [
      'src/node/runtime.ts',
      'src/node/pending-requests.ts',
      'src/node/commit-waiters.ts',
      'src/node/fault-injection.ts',
      'src/node/client-ops.ts',
      'src/node/handlers.ts',
      'src/node/observe-handlers.ts',
      'src/storage/write-behind.ts',
    ];
    for (const f of simulated) {
      const code = readFileSync(join(ROOT, f), 'utf8').replace(/\/\/.*$/gm, '');
      expect(code, f).to.not.match(/\b(setTimeout|setInterval|setImmediate)\(|Date\.now\(|performance\.now\(/);
    }
  });
});
