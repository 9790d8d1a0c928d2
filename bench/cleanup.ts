// Everything the bench creates (node and etcd processes, client threads, temporary folders) registers how to undo
// it here, so one call tears it all down: at the end, on an error, on Ctrl-C and at the hard deadline.
// Actions run newest first (processes stop before their folders are removed), each bounded and independent.

type Action = { what: string; run: () => Promise<void> | void };

const ACTION_BOUND_MS = 10_000;

export class Cleanup {
  private actions: Action[] = [];
  private running: Promise<void> | null = null;

  /** Registers an undo action; returns a function that unregisters it (after the thing was undone normally). */
  add(what: string, run: () => Promise<void> | void): () => void {
    const action = { what, run };
    this.actions.push(action);
    return () => {
      this.actions = this.actions.filter((a) => a !== action);
    };
  }

  /** Runs every registered action once (later calls wait for the first run). Never throws; reports failures. */
  runAll(report: (line: string) => void = (l) => process.stderr.write(l + '\n')): Promise<void> {
    if (this.running === null) this.running = this.drain(report);
    return this.running;
  }

  private async drain(report: (line: string) => void): Promise<void> {
    while (this.actions.length > 0) {
      const a = this.actions.pop()!;
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          report(`cleanup: ${a.what} did not finish within ${ACTION_BOUND_MS} ms`);
          resolve();
        }, ACTION_BOUND_MS);
      });
      try {
        await Promise.race([Promise.resolve().then(a.run), bound]);
      } catch (err) {
        report(`cleanup: ${a.what} failed: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        clearTimeout(timer);
      }
    }
  }
}
