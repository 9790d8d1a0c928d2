// The one error storage throws for bad bytes on disk. It names the file and the byte offset so an operator can look at
// (or cut off) exactly the damaged spot; the node program prints its message as its one-line exit reason.
export class CorruptionError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    why: string,
  ) {
    super(`corrupt ${file} at byte offset ${offset}: ${why}`.replace(/\n/g, ' '));
    this.name = 'CorruptionError';
  }
}
