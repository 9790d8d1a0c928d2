// Progress display for a task over many hosts. On a terminal: one line per host, redrawn in place as each host moves
// on. Otherwise (CI, pipes, tests): a plain line whenever a host's state changes, so logs stay readable.

export interface Progress {
  update(host: string, state: string): void;
  /** Leaves the display; later output goes below it. */
  stop(): void;
}

export function makeProgress(task: string, hosts: string[], out: NodeJS.WriteStream = process.stderr): Progress {
  const width = Math.max(...hosts.map((h) => h.length));
  const states = new Map(hosts.map((h) => [h, 'waiting']));
  const line = (h: string): string => `${task} ${h.padEnd(width)}  ${states.get(h) ?? ''}`;
  if (!out.isTTY) {
    return {
      update(host, state) {
        states.set(host, state);
        out.write(`${line(host)}\n`);
      },
      stop() {},
    };
  }
  const cols = (): number => Math.max(40, (out.columns || 100) - 1);
  let drawn = 0;
  const draw = (): void => {
    // Move up over the previous frame, then rewrite every line (clearing what was longer before).
    let s = drawn > 0 ? `\x1b[${drawn}A` : '';
    for (const h of hosts) s += `\r\x1b[2K${line(h).slice(0, cols())}\n`;
    drawn = hosts.length;
    out.write(s);
  };
  draw();
  return {
    update(host, state) {
      states.set(host, state);
      draw();
    },
    stop() {},
  };
}
