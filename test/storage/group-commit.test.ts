// Group commit on its own, with a flush we control: never two flushes at once, callers during a flush share one,
// and after a failed flush nothing claims durability again.
import { expect } from 'chai';
import { GroupCommit } from '../../src/storage/group-commit.js';

/** A flush that stays open until release() is called, recording how many run at once. */
class ControlledFlush {
  running = 0;
  maxRunning = 0;
  started = 0;
  private waiting: (() => void)[] = [];
  fail: Error | null = null;

  readonly flush = async (): Promise<void> => {
    this.started++;
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    await new Promise<void>((r) => this.waiting.push(r));
    this.running--;
    if (this.fail) throw this.fail;
  };

  release(): void {
    for (const r of this.waiting.splice(0)) r();
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('GroupCommit', () => {
  it('runs one flush at a time; everyone who called during it shares the next one', async () => {
    const f = new ControlledFlush();
    const g = new GroupCommit(f.flush);
    const first = g.sync();
    const during = [g.sync(), g.sync(), g.sync()];
    await tick();
    expect(f.started).to.equal(1);
    f.release();
    await first;
    await tick();
    expect(f.started).to.equal(2); // the shared one started only after the first ended
    let settled = false;
    void Promise.all(during).then(() => (settled = true));
    await tick();
    expect(settled).to.equal(false);
    f.release();
    await Promise.all(during);
    expect(f.maxRunning).to.equal(1);
    expect(g.flushes).to.equal(2);
  });

  it('a caller woken by the end of a flush that syncs again does not start a second concurrent flush', async () => {
    const f = new ControlledFlush();
    const g = new GroupCommit(f.flush);
    const first = g.sync().then(() => g.sync()); // runs right as the first flush ends, before the queued one starts
    const queued = g.sync();
    await tick();
    f.release();
    await tick();
    f.release();
    await Promise.all([first, queued]);
    expect(f.maxRunning).to.equal(1);
  });

  it('after a failed flush, every later sync fails with the same error', async () => {
    const f = new ControlledFlush();
    const g = new GroupCommit(f.flush);
    f.fail = new Error('EIO');
    const a = g.sync();
    const b = g.sync();
    f.release();
    const results = await Promise.allSettled([a, b]);
    expect(results.map((r) => r.status)).to.deep.equal(['rejected', 'rejected']);
    f.fail = null;
    let err: unknown;
    try {
      await g.sync();
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).to.equal('EIO');
    expect(f.started).to.equal(1);
  });
});
