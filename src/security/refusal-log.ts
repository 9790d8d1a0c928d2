// Logs refused calls (who tried what, from which address) without letting a flood of them flood the log: at most
// MAX_LINES lines per period, then one line counting what was left out.
import type { Logger } from '../util/logger.js';

const PERIOD_MS = 10_000;
const MAX_LINES = 10;

export class RefusalLog {
  private periodStart = 0;
  private lines = 0;
  private suppressed = 0;

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  refused(line: string): void {
    const t = this.now();
    if (t - this.periodStart >= PERIOD_MS) {
      if (this.suppressed > 0) this.logger.warn(`security: ${this.suppressed} more refused call(s) not logged in the last ${PERIOD_MS / 1000} s`);
      this.periodStart = t;
      this.lines = 0;
      this.suppressed = 0;
    }
    if (this.lines < MAX_LINES) {
      this.lines++;
      this.logger.warn(`security: ${line}`);
    } else this.suppressed++;
  }
}
