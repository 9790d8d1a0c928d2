// The raftlog line format other tools read (chaos checker, deploy verdict): fixed key order, one line per index, and
// the byte-level fast parser agreeing with JSON.parse on everything the formatter can write.
import { expect } from 'chai';
import type { Entry } from '../../src/raft/types.js';
import { LineChunk } from '../../src/storage/raftlog-chunk.js';
import { formatRaftlogLine, parseRaftlogLine } from '../../src/storage/raftlog-format.js';

/** Parses one line through the fast path used for bulk reads (a chunk holding just that line, plus padding). */
function fastParse(line: string, onlyType?: Entry['type']): Entry | null {
  const buf = Buffer.from(`${line}\n{"pad":1}\n`);
  const chunk = new LineChunk(buf, buf.length, 0);
  return chunk.parse(0, Buffer.byteLength(line), onlyType);
}

const tricky: Entry[] = [
  { index: 1, term: 1, type: 'noop', tid: '', data: '', key: '' },
  { index: 2, term: 1, type: 'add', tid: 'c-1', data: 'plain', key: '' },
  { index: 3, term: 2, type: 'set', tid: 't"q', data: 'a "quoted" \\ backslash\\', key: 'k\\"' },
  { index: 4, term: 2, type: 'add', tid: 'nl', data: 'line\nbreak\ttab\r\u0000nul\u001f', key: '' },
  { index: 5, term: 2, type: 'set', tid: 'ü', data: 'ünïcødé 日本 🎉 \u2028\u2029', key: 'ключ' },
  { index: 6, term: 3, type: 'add', tid: '\\', data: '\\\\"', key: '' },
  { index: 123456789012, term: 99999, type: 'set', tid: 'x', data: '{"index":1}', key: '","key":"' },
];

describe('raftlog format', () => {
  it('writes JSON with the keys in the fixed order index, term, type, tid, data, key', () => {
    expect(formatRaftlogLine({ key: 'k', data: 'd', tid: 't', type: 'set', term: 2, index: 1 } as Entry)).to.equal(
      '{"index":1,"term":2,"type":"set","tid":"t","data":"d","key":"k"}',
    );
  });

  it('parses back exactly what it wrote, on the reference and the fast path', () => {
    for (const e of tricky) {
      const line = formatRaftlogLine(e);
      expect(parseRaftlogLine(line)).to.deep.equal(e);
      expect(fastParse(line)).to.deep.equal(e);
    }
  });

  it('filters by type on the fast path without decoding the rest', () => {
    for (const e of tricky) {
      const got = fastParse(formatRaftlogLine(e), 'set');
      expect(got).to.deep.equal(e.type === 'set' ? e : null);
    }
  });

  it('rejects lines that are not canonical raftlog lines', () => {
    const bad = [
      '',
      'garbage',
      '{"index":1,"term":1,"type":"add","tid":"t","data":"d"}', // no key
      '{"term":1,"index":1,"type":"add","tid":"t","data":"d","key":""}', // wrong order
      '{"index":1,"term":1,"type":"other","tid":"t","data":"d","key":""}',
      '{"index":0,"term":1,"type":"add","tid":"t","data":"d","key":""}',
      '{"index":1,"term":1,"type":"add","tid":"t","data":"d","key":"","x":1}',
      '{"index":1,"term":1,"type":"add","tid":"t","data":"d\\q","key":""}', // bad escape
      '{"index":01,"term":1,"type":"add","tid":"t","data":"d","key":""}',
      '{"index":1,"term":1,"type":"add","tid":"t","data":"d","key":""} ',
    ];
    for (const line of bad) {
      expect(() => fastParse(line), line).to.throw();
      expect(() => parseRaftlogLine(line), line).to.throw();
    }
  });
});
