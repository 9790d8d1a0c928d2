// Which configuration is in force, kept in step with the log. Thesis §4.1: a server uses the latest configuration in
// its log, committed or not; if that entry is truncated away, the one before it is in force again. So the tracker
// keeps every config entry above the commit index plus the latest one at or below it (which can never be truncated),
// and forgets older ones as commit advances: a handful of entries, whatever the log's length.
import { raftAssert } from './assert.js';
import { decodeConf, encodeConf } from './conf.js';
import type { ConfState, Entry, LogReader } from './types.js';

export interface TrackedConf {
  /** Index of the config entry; 0 for the initial configuration (from RaftConfig, not in the log). */
  index: number;
  conf: ConfState;
  /** encodeConf(conf), for cheap change detection. */
  data: string;
}

/** Entries read per step when a log without prevConfigIndex has to be scanned backwards at start. */
const SCAN_CHUNK = 8192;

export class ConfTracker {
  /** Ascending by index; never empty; confs[0] is at or below the commit index. */
  private confs: TrackedConf[];

  constructor(initial: ConfState, log: LogReader, commit: number) {
    this.confs = [{ index: 0, conf: initial, data: encodeConf(initial) }, ...loadFromLog(log, commit)];
    this.compact(commit);
  }

  current(): TrackedConf {
    return this.confs[this.confs.length - 1];
  }

  /** True if `id` votes in the configuration in force or in one above the latest committed configuration. */
  anyListsVoter(id: string): boolean {
    return this.confs.some((c) => c.conf.voters.includes(id));
  }

  /** The log now holds `entries` from entries[0].index on (anything from there was replaced). */
  appended(entries: Entry[]): void {
    if (entries.length === 0) return;
    const from = entries[0].index;
    while (this.confs.length > 1 && this.current().index >= from) this.confs.pop();
    raftAssert(this.current().index < from, () => `truncation from ${from} would drop the committed configuration at ${this.current().index}`);
    for (const e of entries) if (e.type === 'config') this.confs.push(trackedFrom(e));
  }

  /** Configurations older than the latest one at or below `commit` can never be in force again. */
  compact(commit: number): void {
    let k = this.confs.length - 1;
    while (k > 0 && this.confs[k].index > commit) k--;
    if (k > 0) this.confs = this.confs.slice(k);
  }
}

function trackedFrom(e: Entry): TrackedConf {
  const conf = decodeConf(e.data);
  // Appends are checked on arrival (validate.ts) and the leader writes canonical data: a bad one came from storage.
  raftAssert(typeof conf !== 'string', () => `config entry ${e.index}: ${String(conf)}`);
  return { index: e.index, conf, data: e.data };
}

/**
 * The config entries a restarted core needs: all above `commit`, plus the latest at or below it. Uses the log's
 * index of config entries when it has one; otherwise reads backwards in bounded chunks until it passes `commit` with
 * a configuration found (or reaches the start), so memory stays bounded whatever the log's length.
 */
function loadFromLog(log: LogReader, commit: number): TrackedConf[] {
  const found: TrackedConf[] = [];
  const last = log.lastIndex();
  if (log.prevConfigIndex !== undefined) {
    let before = last + 1;
    for (let guard = 0; guard <= last; guard++) {
      const i = log.prevConfigIndex(before);
      if (!(i >= 1 && i < before)) break;
      const e = log.entries(i, i + 1)[0];
      raftAssert(e !== undefined && e.index === i && e.type === 'config', () => `storage names ${i} as a config entry but holds no config entry there`);
      found.push(trackedFrom(e));
      if (i <= commit) break;
      before = i;
    }
    return found.reverse();
  }
  for (let hi = last; hi >= 1; hi -= SCAN_CHUNK) {
    const lo = Math.max(1, hi - SCAN_CHUNK + 1);
    const chunk = log.entries(lo, hi + 1);
    for (let k = chunk.length - 1; k >= 0; k--) {
      const e = chunk[k];
      if (e.type !== 'config') continue;
      found.push(trackedFrom(e));
      if (e.index <= commit) return found.reverse();
    }
  }
  return found.reverse();
}
