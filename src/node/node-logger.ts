// The node's logger: winston to DATA/node.log always, and to the console once the node prints `READY <id>`.
// Console lines logged earlier (storage recovery, say) are held back and replayed after READY, because tools that
// start nodes read READY as stdout's first line.
import { createLogger, type Logger } from '../util/logger.js';

export interface NodeLogger extends Logger {
  /** Call right after writing READY: flushes the held-back console lines and logs to the console from now on. */
  consoleReady(): void;
}

type Level = 'debug' | 'info' | 'warn' | 'error';

export function createNodeLogger(opts: { label: string; level: string; file: string }): NodeLogger {
  const file = createLogger({ label: opts.label, level: opts.level, file: opts.file, console: false });
  const screen = createLogger({ label: opts.label, level: opts.level });
  let held: [Level, string][] | null = [];
  const log = (level: Level) => (msg: string) => {
    file[level](msg);
    if (held === null) screen[level](msg);
    else if (held.length < 1000) held.push([level, msg]);
  };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    consoleReady() {
      const lines = held ?? [];
      held = null;
      for (const [level, msg] of lines) screen[level](msg);
    },
  };
}
