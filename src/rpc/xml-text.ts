// What XML 1.0 can carry in character data, and how to speak about what it cannot. XML 1.0 (§2.2 Char) excludes
// U+0000-U+0008, U+000B, U+000C, U+000E-U+001F, U+FFFE, U+FFFF and unpaired surrogates, even as character references,
// so such a string can never be sent to a peer or back to a client. Nodes refuse it at the door (issue 11: accepting
// `a\x01b` once stalled every later write, and echoing it in a fault message crashed the node).

/** One character XML 1.0 cannot carry (no /g: test() and exec() stay stateless). */
export const UNENCODABLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNENCODABLE_ALL = new RegExp(UNENCODABLE.source, 'g');

function codePointName(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** "U+0001 at offset 3" for the first character XML cannot carry, or null when the whole string is fine. */
export function findUnencodable(s: string): string | null {
  const m = UNENCODABLE.exec(s);
  return m === null ? null : `${codePointName(m[0])} at offset ${m.index}`;
}

/**
 * `s` made safe to put in a fault message or a log line: characters XML cannot carry become `\u0001`, and anything
 * longer than `max` is cut with a note of the length. Whatever a caller sent, the answer about it can be encoded.
 */
export function printable(s: string, max = 200): string {
  const cut = s.length > max ? `${s.slice(0, max)}... (${s.length} chars)` : s;
  return cut.replace(UNENCODABLE_ALL, (ch) => `\\u${(ch.charCodeAt(0)).toString(16).padStart(4, '0')}`);
}

/**
 * Where the first string XML cannot carry sits among decoded parameters (values, struct member names, nested to any
 * depth the parser allowed), as "parameter 2 (.data): U+0001 at offset 1", or null when every string is fine.
 */
export function findUnencodableParam(params: readonly unknown[]): string | null {
  for (let i = 0; i < params.length; i++) {
    const where = findIn(params[i], '');
    if (where !== null) return `parameter ${i + 1}${where}`;
  }
  return null;
}

function findIn(v: unknown, path: string): string | null {
  if (typeof v === 'string') {
    const bad = findUnencodable(v);
    return bad === null ? null : `${path === '' ? '' : ` (${path})`}: ${bad}`;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const r = findIn(v[i], `${path}[${i}]`);
      if (r !== null) return r;
    }
    return null;
  }
  if (typeof v === 'object' && v !== null && !(v instanceof Date) && !Buffer.isBuffer(v)) {
    for (const [k, m] of Object.entries(v)) {
      const badKey = findUnencodable(k);
      if (badKey !== null) return ` (member name in ${path === '' ? 'struct' : path}): ${badKey}`;
      const r = findIn(m, `${path}.${printable(k, 40)}`);
      if (r !== null) return r;
    }
  }
  return null;
}
