// Resident memory of a process from /proc/<pid>/status: VmRSS (now) and VmHWM (the peak since the process started),
// in MiB. Linux only; elsewhere (or for a process that is gone) the figures are null.
import { readFileSync } from 'node:fs';

export interface RssSample {
  rssMiB: number;
  peakMiB: number;
}

export function readRss(pid: number | null): RssSample | null {
  if (pid === null) return null;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kb = (name: string): number | null => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) : null;
  };
  const rss = kb('VmRSS');
  const hwm = kb('VmHWM');
  if (rss === null || hwm === null) return null;
  return { rssMiB: Math.round(rss / 102.4) / 10, peakMiB: Math.round(hwm / 102.4) / 10 };
}
