// Small checks for values that arrived over the network (already decoded from XML-RPC), shared by the protocol's
// parsers. They take `unknown`: whatever a peer sent is only trusted after one of these said yes.

/** A struct: a plain object, not an array, a Date or a Buffer (which XML-RPC decoders also produce). */
export function isPlainStruct(v: unknown): v is Record<string, unknown> {
  return Object.prototype.toString.call(v) === '[object Object]';
}

/** The XML-RPC type a value arrived as, for messages ("must be an int, got string"). */
export function wireType(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Date) return 'dateTime';
  if (Buffer.isBuffer(v)) return 'base64';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'double';
  if (typeof v === 'object' && v !== null) return 'struct';
  return typeof v;
}

/** A value for a message: quoted and cut short, so a hostile megabyte stays one short line. */
export function shortText(v: string, max = 60): string {
  return JSON.stringify(v.length > max ? v.slice(0, max) + '...' : v);
}
