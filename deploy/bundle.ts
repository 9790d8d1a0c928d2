// Builds the project once and packs what a node needs into one self-contained tarball: the compiled program
// (dist/src), package.json and the production node_modules (no npm install, so no internet, on the machines).
// zx runs the local build and pack steps.
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { $ } from 'zx';

/** The repo root, from dist/deploy/bundle.js. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Bundle {
  file: string;
  sha256: string;
  bytes: number;
  /** The local node binary to ship too (--with-node), or null. */
  nodeBinary: string | null;
}

export class BuildError extends Error {}

async function sha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Top-level production dependency folders (relative), as npm resolves them; nested ones ride along with their parent. */
async function productionModules(): Promise<string[]> {
  const out = await $({ cwd: REPO_ROOT, quiet: true, nothrow: true })`npm ls --omit=dev --all --parseable`;
  const rel = out.stdout
    .split('\n')
    .map((p) => path.relative(REPO_ROOT, p.trim()))
    .filter((p) => p.startsWith('node_modules' + path.sep));
  const sorted = [...new Set(rel)].sort();
  return sorted.filter((p) => !sorted.some((q) => q !== p && p.startsWith(q + path.sep)));
}

export async function buildBundle(opts: { build: boolean; withNode: boolean; log: (s: string) => void }): Promise<Bundle> {
  $.verbose = false;
  if (opts.build) {
    opts.log('building (tsc -p tsconfig.json)');
    const r = await $({ cwd: REPO_ROOT, nothrow: true, quiet: true })`npx tsc -p tsconfig.json`;
    if (r.exitCode !== 0) {
      const first = r.stdout.split('\n').filter((l) => l.trim() !== '').slice(0, 3).join(' | ');
      throw new BuildError(`build failed (npx tsc -p tsconfig.json): ${first}; fix it or pass --no-build to ship dist/ as it is`);
    }
  }
  try {
    statSync(path.join(REPO_ROOT, 'dist', 'src', 'node', 'main.js'));
  } catch {
    throw new BuildError('dist/src/node/main.js is missing: run npm run build first');
  }
  const modules = await productionModules();
  const dir = path.join(os.tmpdir(), 'raft-xmlrpc-bundle');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `bundle-${process.pid}.tgz`);
  opts.log(`packing dist/src, package.json and ${modules.length} production modules`);
  await $({ cwd: REPO_ROOT, quiet: true })`tar -czf ${file} dist/src package.json ${modules}`;
  return { file, sha256: await sha256(file), bytes: statSync(file).size, nodeBinary: opts.withNode ? process.execPath : null };
}
