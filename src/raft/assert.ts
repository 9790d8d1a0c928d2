// Assertions for states the core can only reach through a bug (in the core, or in the storage or runtime that serves
// it), never through input: a peer's nonsense is ignored or rejected where it arrives, and only the core's own state
// being inconsistent lands here (etcd panics the same way on "conflict with committed entry"). Carrying on past such a
// state would silently corrupt a log that Raft promises never changes, so the core stops with a one-line message; the
// simulator reports the failure with its seed, the node runtime stops the node.

/** The core found itself in a state that Raft's invariants rule out. The message names the state and the values. */
export class RaftAssertionError extends Error {
  constructor(message: string) {
    super(`raft assertion failed: ${message}`);
    this.name = 'RaftAssertionError';
  }
}

/**
 * Throws RaftAssertionError unless cond holds. `msg` is a function when building it costs something, so the common
 * (passing) case stays allocation-free on hot paths.
 */
export function raftAssert(cond: boolean, msg: string | (() => string)): asserts cond {
  if (!cond) throw new RaftAssertionError(typeof msg === 'string' ? msg : msg());
}
