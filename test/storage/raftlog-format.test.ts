// The raftlog line format other tools read (chaos checker, deploy verdict): fixed key order, one line per index, and
// the byte-level fast parser agreeing with JSON.parse on everything the formatter can write.
import { expect } from 'chai';
import type { Entry } from '../../src/raft/types.js';
import { LineChunk } from '../../src/storage/raftlog-chunk.js';
import { formatRaftlogLine, parseRaftlogLine } from '../../src/storage/raftlog-format.js';
import { crc32 } from 'node:zlib';

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
  { index: 7, term: 3, type: 'config', tid: '', data: '{"voters":["h:1","h:2"],"learners":["h:3"]}', key: '' },
  { index: 123456789012, term: 99999, type: 'set', tid: 'x', data: '{"index":1}', key: '","key":"' },
];

describe('raftlog format', () => {
  it('writes JSON with the keys in the fixed order index, term, type, tid, data, key, then crc', () => {
    expect(formatRaftlogLine({ key: 'k', data: 'd', tid: 't', type: 'set', term: 2, index: 1 } as Entry)).to.equal(
      '{"index":1,"term":2,"type":"set","tid":"t","data":"d","key":"k","crc":"57cacd39"}',
    );
  });

  it('"crc" is the CRC-32 of the line without it, checkable with JSON.parse and JSON.stringify alone', () => {
    for (const e of tricky) {
      const o = JSON.parse(formatRaftlogLine(e)) as Record<string, unknown>;
      const { crc, ...rest } = o;
      expect(crc).to.equal(crc32(JSON.stringify(rest)).toString(16).padStart(8, '0'));
    }
  });

  it('finds a changed byte anywhere in a line by its checksum (crcWhy), and nothing in an intact line', () => {
    for (const e of tricky) {
      const line = Buffer.from(formatRaftlogLine(e));
      expect(new LineChunk(line, line.length, 0).crcWhy(0, line.length)).to.equal(null);
      for (let k = 0; k < line.length; k++) {
        const bad = Buffer.from(line);
        bad[k] ^= 0x04;
        expect(new LineChunk(bad, bad.length, 0).crcWhy(0, bad.length), `${e.index} byte ${k}`).to.be.a('string');
      }
    }
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

  it('rejects a line whose checksum is wrong: the reference parser, and crcWhy on the fast path (run on every line at open)', () => {
    const good = formatRaftlogLine({ index: 1, term: 1, type: 'add', tid: 't', data: 'd', key: '' });
    for (const line of [good.replace(/"crc":"[0-9a-f]{8}"/, '"crc":"00000000"'), good.replace(/"crc":"[0-9a-f]{8}"/, '"crc":"ABCDEF01"'), good.replace('"d"', '"e"')]) {
      expect(() => parseRaftlogLine(line), line).to.throw();
      const buf = Buffer.from(line);
      expect(new LineChunk(buf, buf.length, 0).crcWhy(0, buf.length), line).to.be.a('string');
    }
  });
});
