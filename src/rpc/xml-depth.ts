// A linear pre-scan for documents headed to the `xmlrpc` package's sax parser, which needs it: sax tracks nesting
// with work that grows with depth at every closing tag, so a 216 KB array nested 6,000 deep held the event loop for
// 1.4 s (and, before the depth bound, crashed the node with a RangeError). The scan walks tags only, skipping
// comments, CDATA and processing instructions, reads past quoted attribute values so a '>' or '/' inside them
// cannot disguise a tag, and refuses DOCTYPE (XML-RPC has no DTD; refusing it also rules out entity tricks).

/** Null when the document nests at most maxDepth elements deep and has no DOCTYPE; else what is wrong. */
export function xmlStructureProblem(s: string, maxDepth: number): string | null {
  let depth = 0;
  let i = s.indexOf('<');
  while (i >= 0) {
    if (s.startsWith('<!--', i)) i = after(s, '-->', i + 4);
    else if (s.startsWith('<![CDATA[', i)) i = after(s, ']]>', i + 9);
    else if (s.startsWith('<?', i)) i = after(s, '?>', i + 2);
    else if (s.startsWith('<!', i)) return 'a DOCTYPE or other declaration is not accepted in XML-RPC';
    else if (!startsName(s.charCodeAt(i + 1)) && s.charCodeAt(i + 1) !== 47) i++; // '<' as text, as sax reads it
    else {
      const end = tagEnd(s, i + 1);
      if (end < 0) return 'a tag is not terminated';
      if (s.charCodeAt(i + 1) === 47 /* / */) depth--;
      else if (!selfClosing(s, i + 1, end) && ++depth > maxDepth) return `elements nested deeper than ${maxDepth}`;
      i = end + 1;
    }
    if (i < 0) return null;
    i = s.indexOf('<', i);
  }
  return null;
}

/** Index just past `marker` found from `from`, or -1. */
function after(s: string, marker: string, from: number): number {
  const j = s.indexOf(marker, from);
  return j < 0 ? -1 : j + marker.length;
}

/** Index of the '>' that ends the tag starting before `from`, reading past quoted attribute values; -1 if none. */
function tagEnd(s: string, from: number): number {
  let quote = 0;
  for (let j = from; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 34 || c === 39) quote = c;
    else if (c === 62 /* > */) return j;
  }
  return -1;
}

/** Letters, '_' and ':' start an element name (ASCII is enough: XML-RPC's element names are ASCII). */
function startsName(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 58 || c > 127;
}

function selfClosing(s: string, start: number, end: number): boolean {
  let j = end - 1;
  while (j > start && (s.charCodeAt(j) === 32 || s.charCodeAt(j) === 9 || s.charCodeAt(j) === 10 || s.charCodeAt(j) === 13)) j--;
  return s.charCodeAt(j) === 47;
}
