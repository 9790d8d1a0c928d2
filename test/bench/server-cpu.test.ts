// The bench's server CPU figure: utime+stime read from /proc/PID/stat, whatever the process's name holds.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { parseProcStatCpuMs, processesCpuMs } from '../../bench/server-cpu.js';

describe('bench server CPU (/proc/PID/stat)', () => {
  it('reads utime and stime after the last ")" of the command name', () => {
    // Fields 14 and 15 are 250 and 50 ticks; the name holds ") " to throw a naive split off.
    const line = '4242 (node ) x (y) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0 500 1000 100 0';
    expect(parseProcStatCpuMs(line, 100)).to.equal(3000);
    expect(parseProcStatCpuMs('garbage', 100)).to.equal(null);
    expect(parseProcStatCpuMs('1 (x) S 1 2', 100)).to.equal(null);
  });

  it('counts the CPU a real process burns, and gives null for a process that is gone', async function () {
    if (process.platform !== 'linux') this.skip();
    const child = spawn(process.execPath, ['-e', 'const t = Date.now() + 300; while (Date.now() < t);'], { stdio: 'ignore' });
    const pid = child.pid!;
    const before = processesCpuMs([pid]);
    await new Promise((r) => setTimeout(r, 250));
    const after = processesCpuMs([pid]);
    expect(before).to.be.a('number');
    expect(after! - before!).to.be.greaterThan(50);
    await new Promise((r) => child.once('exit', r));
    expect(processesCpuMs([pid])).to.equal(null);
    expect(processesCpuMs([])).to.equal(null);
  });
});
