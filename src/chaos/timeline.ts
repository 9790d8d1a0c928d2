// What a chaos run looked like over time: the clients' operations, the nemesis's faults and the leaders seen, all in
// ms since the run started. The HTML report draws it; the history file is its operations.
import type { LeaderChange } from './leader-observer.js';
import type { FaultSpan } from './nemesis.js';
import type { ChaosOpRecord } from './op-record.js';

export interface ChaosTimeline {
  /** The node ids (as clients and the report name them). */
  nodes: string[];
  /** Client names, in lane order. */
  clients: string[];
  ops: ChaosOpRecord[];
  faults: FaultSpan[];
  leaders: LeaderChange[];
  /** When the first fault could come, when everything was healed, and when the clients stopped. */
  nemesisStart: number;
  healedAt: number | null;
  end: number;
}
