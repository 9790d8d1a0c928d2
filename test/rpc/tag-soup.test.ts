// Tag soup for both parsing paths: random sequences of XML-RPC's own tags, opened and closed in any order, with text,
// comments and references between them. Each document must be decoded or refused quickly: the package's handlers once
// kept building values after an error and a 180-deep array held the event loop without end (found by the network fuzz).
import { expect } from 'chai';
import fc from 'fast-check';
import { decodeCall, decodeResponse } from '../../src/rpc/wire.js';

const TAGS = ['methodCall', 'methodName', 'params', 'param', 'value', 'array', 'data', 'struct', 'member', 'name', 'string', 'int', 'i4', 'boolean', 'double', 'nil', 'methodResponse', 'fault'];
const piece = fc.oneof(
  fc.constantFrom(...TAGS).map((t) => `<${t}>`),
  fc.constantFrom(...TAGS).map((t) => `</${t}>`),
  fc.constantFrom(...TAGS).map((t) => `<${t}/>`),
  fc.constantFrom('1', 'x', '<!-- c -->', '&amp;', '&#1;', '<&"', '"', "'", '<![CDATA[<value>]]>', '\u0000', ' '),
);
const soup = fc.array(piece, { maxLength: 3000 }).map((ps) => ps.join(''));

describe('tag soup: every document is decoded or refused within a bound, on both paths', function () {
  this.timeout(60_000);
  for (const [name, decode] of [
    ['calls', (b: string) => decodeCall(b)],
    ['responses', (b: string) => decodeResponse(b)],
  ] as const) {
    it(`${name}: random documents (400 by default), each under 250 ms`, async function () {
      let slowest = 0;
      await fc.assert(
        fc.asyncProperty(soup, fc.boolean(), async (body, comment) => {
          const doc = `<?xml version="1.0"?>${comment ? '<!-- to the package path -->' : ''}${body}`;
          const t = performance.now();
          await decode(doc).catch(() => undefined);
          const ms = performance.now() - t;
          slowest = Math.max(slowest, ms);
          expect(ms, 'decode time (ms)').to.be.below(250);
        }),
        { numRuns: Number(process.env.SOUP_RUNS ?? 400), endOnFailure: true },
      );
      expect(slowest).to.be.below(250);
    });
  }
});
