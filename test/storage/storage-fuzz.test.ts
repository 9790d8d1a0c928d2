// Storage fuzz (issue 11): a real 3-node cluster; again and again one node is stopped, its files are damaged at random
// (bit flips, truncation, deletion of hardstate / WAL segments / raftlog, line edits in the raftlog), and it is started
// again. Each time it must either refuse with exactly one stderr line naming a file of its data directory (exit code
// not 0), or start and, once the cluster settles, hold a raftlog identical to its peers' (a prefix while it catches up,
// never a line that differs): no silent divergence. And its term never goes back, nor its vote within a term: no
// second vote. A refused node gets its files back from a copy taken before the damage, so the next round starts from
// a whole cluster. The seed is printed; STORAGE_FUZZ_SEED=N replays a run.
import { expect } from 'chai';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalCluster, type LocalCluster } from '../../src/node/local-cluster.js';
import { findFreePorts } from '../../src/node/ports.js';
import { formatRaftlogLine, parseRaftlogLine } from '../../src/storage/raftlog-format.js';
import { Wal } from '../../src/storage/wal.js';
import { silentLogger } from '../../src/util/logger.js';
import { seededRandom } from '../../src/util/seeded-random.js';
import { Clients, waitUntil } from '../integration/helpers.js';
import { TempDirs } from './helpers.js';

const ROUNDS = 10;
const NODES = 3;

type Rnd = (n: number) => number;

interface HardStateView {
  term: number;
  vote: string | null;
}

function readHardStateFile(dataDir: string): HardStateView | null {
  try {
    const text = readFileSync(join(dataDir, 'hardstate'), 'utf8');
    const v = JSON.parse(text.slice(9)) as HardStateView;
    return { term: v.term, vote: v.vote };
  } catch {
    return null;
  }
}

/** The raftlog's complete lines (a line being written right now is left out). */
function raftlogBytes(dataDir: string): Buffer {
  const f = join(dataDir, 'raftlog');
  if (!existsSync(f)) return Buffer.alloc(0);
  const b = readFileSync(f);
  return b.subarray(0, b.lastIndexOf(0x0a) + 1);
}

/** The first line where a differs from b (its number and both versions), for a failed prefix check. */
function firstDifference(a: Buffer, b: Buffer): string {
  const la = a.toString('utf8').split('\n');
  const lb = b.toString('utf8').split('\n');
  for (let k = 0; k < la.length; k++) {
    if (la[k] !== lb[k] && !(k === la.length - 1 && la[k] === '')) return `line ${k + 1} is ${JSON.stringify(la[k])}, the longest has ${JSON.stringify(lb[k] ?? null)}`;
  }
  return 'no differing line';
}

/**
 * Which raftlog lines the cross-check at startup (wal-raftlog-check.ts) compares with a WAL entry: line i is, if the
 * last record starting at or below i holds it (a later record starting lower would replace it). Read from a copy,
 * since opening a WAL cuts a torn tail.
 */
function walHeldLines(dataDir: string): (index: number) => boolean {
  const records: { first: number; last: number }[] = [];
  const copy = mkdtempSync(join(tmpdir(), 'raft-fuzz-wal-'));
  try {
    cpSync(join(dataDir, 'wal'), copy, { recursive: true });
    Wal.open(copy, silentLogger, 64 << 20, (r) => {
      if (r.count > 0) records.push({ first: r.first, last: r.first + r.count - 1 });
    }).close();
  } catch {
    records.length = 0; // an unreadable WAL holds nothing the check could use
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
  return (index) => {
    const r = records.filter((x) => x.first <= index).pop();
    return r !== undefined && r.last >= index;
  };
}

function walSegments(dataDir: string): string[] {
  const d = join(dataDir, 'wal');
  return existsSync(d) ? readdirSync(d).filter((n) => n.endsWith('.wal')).sort().map((n) => join(d, n)) : [];
}

function flipBit(file: string, rnd: Rnd): string {
  const b = readFileSync(file);
  if (b.length === 0) return `${file} is empty: nothing flipped`;
  const at = rnd(b.length);
  b[at] ^= 1 << rnd(8);
  writeFileSync(file, b);
  return `bit flip in ${file} at ${at}`;
}

function truncateAt(file: string, rnd: Rnd): string {
  const size = statSync(file).size;
  const at = size === 0 ? 0 : rnd(size);
  truncateSync(file, at);
  return `${file} cut to ${at} of ${size} bytes`;
}

/** Rewrites the raftlog's lines with fn (which gets the lines without the final empty piece). */
function editLines(file: string, fn: (lines: string[]) => string): string {
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.pop();
  if (lines.length < 2) return `${file} has too few lines to edit`;
  return fn(lines);
}

/** One random damage to node files in dataDir; returns what was done. */
function damage(dataDir: string, rnd: Rnd): string {
  const raftlog = join(dataDir, 'raftlog');
  const hardstate = join(dataDir, 'hardstate');
  const segs = walSegments(dataDir);
  const anyFile = (): string => {
    const files = [raftlog, hardstate, ...segs].filter((f) => existsSync(f));
    return files[rnd(files.length)];
  };
  const write = (lines: string[]): void => writeFileSync(raftlog, lines.join('\n') + '\n');
  const kinds: (() => string)[] = [
    () => flipBit(anyFile(), rnd),
    () => flipBit(raftlog, rnd),
    () => (segs.length > 0 ? flipBit(segs[rnd(segs.length)], rnd) : flipBit(hardstate, rnd)),
    () => truncateAt(anyFile(), rnd),
    () => truncateAt(raftlog, rnd),
    () => {
      unlinkSync(hardstate);
      return 'hardstate deleted';
    },
    () => {
      for (const s of segs) unlinkSync(s);
      return `${segs.length} WAL segment(s) deleted`;
    },
    () => {
      unlinkSync(raftlog);
      return 'raftlog deleted';
    },
    () =>
      editLines(raftlog, (lines) => {
        const k = rnd(lines.length);
        lines[k] = lines[k].replace(/"data":"[^"]*"/, '"data":"edited"');
        write(lines);
        return `raftlog line ${k + 1}: data edited`;
      }),
    () =>
      editLines(raftlog, (lines) => {
        // A forged line: other data, a valid line with its checksum recomputed. Only the WAL's copy of the entry can
        // tell, so only a line whose entry the WAL still holds is forged: once the WAL no longer covers a line (its
        // segment removed after the raftlog fsync, as in normal operation, or deleted or cut short by an earlier round)
        // a forgery is undetectable by design (README, Storage: refused is "a raftlog line that differs from the WAL's
        // entry"), and starting with it would be a divergence of the test's own making.
        const walHolds = walHeldLines(dataDir);
        const held = lines.map((_, k) => k).filter((k) => walHolds(k + 1));
        if (held.length === 0) return `${raftlog}: no line whose entry the WAL holds: nothing forged`;
        const k = held[rnd(held.length)];
        const e = parseRaftlogLine(lines[k]);
        lines[k] = formatRaftlogLine({ ...e, data: e.data === 'forged' ? 'forged again' : 'forged' });
        write(lines);
        return `raftlog line ${k + 1}: data forged with a valid checksum`;
      }),
    () =>
      editLines(raftlog, (lines) => {
        const k = rnd(lines.length);
        lines.splice(k, 1);
        write(lines);
        return `raftlog line ${k + 1} deleted`;
      }),
    () =>
      editLines(raftlog, (lines) => {
        const k = rnd(lines.length);
        lines.splice(k, 0, lines[k]);
        write(lines);
        return `raftlog line ${k + 1} duplicated`;
      }),
    () =>
      editLines(raftlog, (lines) => {
        const k = rnd(lines.length - 1);
        [lines[k], lines[k + 1]] = [lines[k + 1], lines[k]];
        write(lines);
        return `raftlog lines ${k + 1} and ${k + 2} swapped`;
      }),
  ];
  return kinds[rnd(kinds.length)]();
}

describe('storage fuzz: damaged files on restart are refused in one line or end identical to the peers', function () {
  this.timeout(90_000);
  const temp = new TempDirs();
  let cluster: LocalCluster | null = null;
  const clients = new Clients();
  after(async () => {
    clients.closeAll();
    await cluster?.stop();
    if (process.env.STORAGE_FUZZ_KEEP === undefined) temp.removeAll();
  });

  it(`${ROUNDS} random damages to one stopped node`, async () => {
    const seed = Number(process.env.STORAGE_FUZZ_SEED ?? Date.now() % 1_000_000);
    const rnd = seededRandom(seed);
    const root = temp.make('raft-storage-fuzz-');
    if (process.env.STORAGE_FUZZ_KEEP !== undefined) console.log(`      keeping ${root}`);
    const stderrOf: string[][] = Array.from({ length: NODES }, () => []);
    /** A running node that exits without being asked to has crashed: that fails the run. */
    const unexpected: string[] = [];
    cluster = await startLocalCluster({
      nodes: NODES,
      dataDir: join(root, 'cluster'),
      ports: await findFreePorts(NODES),
      tickMs: 10,
      heartbeatMs: 50,
      electionTimeoutMs: 300,
      logLevel: 'warn',
      onOutput: (i, line, stream) => {
        if (stream === 'stderr') stderrOf[i].push(line);
      },
      onUnexpectedExit: (i, code, signal) => unexpected.push(`node ${i} exited by itself (code ${code}, signal ${signal}): ${stderrOf[i].join(' | ')}`),
    });
    const c = cluster;
    const started = Date.now();
    let written = 0;
    const write = async (n: number): Promise<void> => {
      const leader = await c.waitForLeader(10_000);
      const acks = await Promise.all(
        Array.from({ length: n }, () => {
          const k = written++;
          return clients.call(c.endpoints[leader.index], 'addEntry', [`fuzz-${seed}-${k}`, `value ${k} "q" \\ ü`], 10_000);
        }),
      );
      expect(acks.every((a) => a === true), 'every write acknowledged').to.equal(true);
    };
    /** All raftlogs are prefixes of the longest: checked at every look, not only at the end. */
    const prefixes = (): { identical: boolean } => {
      const logs = c.nodes.map((n) => raftlogBytes(n.dataDir));
      const longest = logs.reduce((a, b) => (b.length > a.length ? b : a));
      for (let i = 0; i < logs.length; i++) {
        const n = logs[i].length;
        const ok = logs[i].equals(longest.subarray(0, n));
        expect(ok, `node ${i}'s raftlog is a prefix of the longest (seed ${seed}): ${ok ? '' : firstDifference(logs[i], longest)}`).to.equal(true);
      }
      return { identical: logs.every((l) => l.length === longest.length) };
    };
    await write(30);

    const outcomes = { refused: 0, identical: 0, lagging: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const i = rnd(NODES);
      const node = c.nodes[i];
      await c.kill(i, round % 3 === 2 ? 'SIGKILL' : 'SIGTERM');
      const before = readHardStateFile(node.dataDir);
      const backup = join(root, `backup-${round}`);
      cpSync(node.dataDir, backup, { recursive: true });
      const what = damage(node.dataDir, rnd);
      stderrOf[i] = [];
      let refusal: Error | null = null;
      try {
        await c.restart(i);
      } catch (err) {
        refusal = err as Error;
      }
      const label = `seed ${seed} round ${round}, node ${i}: ${what}`;
      if (refusal !== null) {
        // Refused: one line on stderr naming a file of its data directory, and a non-zero exit code.
        const code = /exited \(code (\w+)/.exec(refusal.message)?.[1];
        expect(code, `${label}: ${refusal.message}`).to.match(/^[1-9]\d*$/);
        expect(stderrOf[i], `${label}: ${refusal.message}`).to.have.length(1);
        expect(stderrOf[i][0], label).to.contain(node.dataDir);
        // A forged line (valid, checksum recomputed) can only be told by the WAL's copy: that is what must refuse it.
        if (what.includes('data forged')) expect(stderrOf[i][0], label).to.contain('disagrees with the write-ahead log');
        outcomes.refused++;
        rmSync(node.dataDir, { recursive: true, force: true });
        cpSync(backup, node.dataDir, { recursive: true });
        await c.restart(i);
      } else {
        // The WAL holds the forged line's entry (only such lines are forged): starting with it would be divergence.
        expect(what, `${label}: started with a forged raftlog line the WAL contradicts`).not.to.contain('data forged');
        // Started: its term never below what it had, nor its vote changed within the same term.
        const st = await waitUntil(`status of node ${i}`, 10_000, async () => (await c.status(i)) ?? undefined);
        if (before !== null) {
          expect(st.term, `${label}: term went back`).to.be.at.least(before.term);
          const now = readHardStateFile(node.dataDir);
          if (now !== null && now.term === before.term && before.vote !== null) expect(now.vote, `${label}: second vote`).to.equal(before.vote);
        }
        await write(3);
        // Lost WAL data may include entries this node had acknowledged; the leader never sends a follower entries
        // below what it acknowledged, so such a node stays behind (a prefix, never different) until the leader
        // changes. Counted apart ("lagging"), then given its files back; anything else must end identical.
        const walLoss = /\/wal\/.*cut to|WAL segment\(s\) deleted/.test(what);
        const identical = await waitUntil(`${label}: identical raftlogs`, walLoss ? 6_000 : 15_000, () => {
          expect(unexpected, label).to.deep.equal([]);
          return prefixes().identical ? true : undefined;
        }).catch((err: unknown) => {
          if (!walLoss) throw err;
          return false;
        });
        if (identical) outcomes.identical++;
        else {
          outcomes.lagging++;
          await c.kill(i, 'SIGTERM');
          rmSync(node.dataDir, { recursive: true, force: true });
          cpSync(backup, node.dataDir, { recursive: true });
          await c.restart(i);
          await write(1);
          await waitUntil(`${label}: identical raftlogs after restoring the files`, 15_000, () => (prefixes().identical ? true : undefined));
        }
      }
      if (process.env.STORAGE_FUZZ_VERBOSE) console.log(`      ${label}: ${refusal !== null ? `refused: ${stderrOf[i][0]}` : 'started'} (${Date.now() - started} ms)`);
      rmSync(backup, { recursive: true, force: true });
      expect(unexpected, label).to.deep.equal([]);
      prefixes();
    }
    await write(3);
    await waitUntil('identical raftlogs at the end', 15_000, () => (prefixes().identical ? true : undefined));
    console.log(
      `      storage fuzz seed ${seed}: ${ROUNDS} damaged restarts: ${outcomes.refused} refused in one line, ` +
        `${outcomes.identical} started and ended identical to their peers, ${outcomes.lagging} started and stayed a prefix after losing ` +
        `acknowledged WAL entries, 0 divergent, 0 crashed; ${written} entries, ${Date.now() - started} ms`,
    );
    expect(outcomes.refused + outcomes.identical + outcomes.lagging).to.equal(ROUNDS);
  });
});
