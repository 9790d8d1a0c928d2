// CPU time the cluster under test spent: utime + stime of each member process from /proc/PID/stat (Linux), so a row
// can say how much server CPU 1,000 operations cost, whichever side (client or server) bounded its throughput.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | null = null;

/** The kernel's clock ticks per second (USER_HZ, nearly always 100), asked once. */
function clockTicks(): number {
  if (ticksPerSecond === null) {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5000 });
    const n = Number(r.stdout?.trim());
    ticksPerSecond = Number.isInteger(n) && n > 0 ? n : 100;
  }
  return ticksPerSecond;
}

/**
 * utime + stime of one process in ms, from the text of /proc/PID/stat, or null when the text is not one. The command
 * name (field 2) is in parentheses and may hold spaces or ')', so fields are counted after its last ')'.
 */
export function parseProcStatCpuMs(text: string, ticks: number): number | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const f = text.slice(close + 2).split(' ');
  // After the name: state is field 3, so utime (field 14) and stime (field 15) are at 11 and 12.
  const utime = Number(f[11]);
  const stime = Number(f[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return ((utime + stime) * 1000) / ticks;
}

/** Total CPU ms of the processes given, or null if any cannot be read (not Linux, or a process gone). */
export function processesCpuMs(pids: (number | null)[]): number | null {
  if (pids.length === 0) return null;
  let total = 0;
  for (const pid of pids) {
    if (pid === null) return null;
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return null;
    }
    const ms = parseProcStatCpuMs(text, clockTicks());
    if (ms === null) return null;
    total += ms;
  }
  return total;
}
