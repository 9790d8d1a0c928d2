// The size of a string once written as XML character data. Lives in util because the consensus core bounds its
// append batches by it (src/raft stays free of the rpc layer) and the node bounds what it accepts by it.

/**
 * Bytes `s` takes as XML character data in UTF-8: each '&' becomes '&amp;', '<' '&lt;', '>' '&gt;', '\r' '&#13;'.
 * Sizes that bound what a node accepts and what a batch carries are counted this way, so a value that is small as
 * text but large on the wire (2 MB of '>' is 8 MB of '&gt;') cannot slip past a limit and be refused by a follower.
 */
export function xmlTextBytes(s: string): number {
  let extra = 0;
  for (let i = s.indexOf('&'); i >= 0; i = s.indexOf('&', i + 1)) extra += 4;
  for (let i = s.indexOf('<'); i >= 0; i = s.indexOf('<', i + 1)) extra += 3;
  for (let i = s.indexOf('>'); i >= 0; i = s.indexOf('>', i + 1)) extra += 3;
  for (let i = s.indexOf('\r'); i >= 0; i = s.indexOf('\r', i + 1)) extra += 4;
  return Buffer.byteLength(s, 'utf8') + extra;
}
