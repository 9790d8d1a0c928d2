// The fast XML path must agree with the `xmlrpc` package on every input it accepts, and decline the rest.
import { expect } from 'chai';
import { fastDecodeCall, fastDecodeResponse, fastEncodeCall, fastEncodeResponse } from '../../src/rpc/fast-xml.js';
import { packageDecodeCall, packageDecodeResponse, packageSerializer } from '../../src/rpc/xmlrpc-package.js';
import type { XmlRpcValue } from '../../src/rpc/values.js';
import { seededRandom } from '../../src/util/seeded-random.js';

const STRINGS = ['', 'plain', 'a<b&c>d', ']]>', 'quote"apos\'', 'tab\tnl\nend', 'cr\r\nlf', 'ünïcødé ✓ 𝄞', ' lead/trail ', '&amp;'];

function randomValue(rnd: (n: number) => number, depth: number): XmlRpcValue {
  switch (rnd(depth > 2 ? 4 : 6)) {
    case 0: return STRINGS[rnd(STRINGS.length)];
    case 1: return rnd(2) === 0 ? rnd(1 << 30) : -rnd(1 << 30);
    case 2: return rnd(2) === 0;
    case 3: return rnd(1000) / 8 + 0.5;
    case 4: return Array.from({ length: rnd(4) }, () => randomValue(rnd, depth + 1));
    default: {
      const s: Record<string, XmlRpcValue> = {};
      for (let i = rnd(4); i > 0; i--) s[STRINGS[rnd(STRINGS.length)] || 'k'] = randomValue(rnd, depth + 1);
      return s;
    }
  }
}

const call = (inner: string): string => `<methodCall><methodName>m</methodName><params>${inner}</params></methodCall>`;
const param = (value: string): string => `<param><value>${value}</value></param>`;

/** Layouts other clients produce: the fast parser may take these, and must then agree with the package. */
const OTHER_LAYOUTS = [
  '<?xml version="1.0"?>\n<methodCall>\n  <methodName>m</methodName>\n  <params>\n    <param><value><i4>7</i4></value></param>\n  </params>\n</methodCall>\n',
  call(param('untyped text')),
  call('<param><value></value></param><param><value/></param>'),
  '<methodCall><methodName>m</methodName><params/></methodCall>',
  '<methodCall><methodName>m</methodName></methodCall>',
  call(param('<string>&#65;&#x42;&lt;&quot;</string>')),
  call(param('<double>-1.5e3</double>')),
  call(param('<array><data/></array>') + param('<struct/>')),
];

/** Unusual or malformed: the fast parser must decline, so the package decides (and its error messages are seen). */
const MUST_DECLINE = [
  call(param('<string>&nbsp;</string>')),
  call(param('<string><![CDATA[<x>]]></string>')),
  '<METHODCALL><METHODNAME>m</METHODNAME><PARAMS><PARAM><VALUE><INT>1</INT></VALUE></PARAM></PARAMS></METHODCALL>',
  call(param('<nil/>')),
  call(param('<int>12abc</int>')),
  call(param('<int> 3 </int>')),
  call(param('<boolean>true</boolean>')),
  call(param('<i8>9007199254740993</i8>')),
  call(param('<base64>aGk=</base64>')),
  call(param('<dateTime.iso8601>20260101T00:00:00</dateTime.iso8601>')),
  call(param('<struct><member><name>__proto__</name><value>x</value></member></struct>')),
  call(param('<string>a\r\nb</string>')),
  '<methodCall><methodName>m</methodName><params><param><value><int>1</int></value></param></params>',
  '<methodCall><methodName>m</methodName><params><param><value><int>1</int></param></params></methodCall>',
  '<methodCall><!-- c --><methodName>m</methodName><params></params></methodCall>',
  'not xml at all',
  '',
];

async function settle<T>(p: Promise<T>): Promise<{ ok: T } | { err: string }> {
  try {
    return { ok: await p };
  } catch (e) {
    return { err: String(e) };
  }
}

describe('rpc fast XML path vs the xmlrpc package', () => {
  it('fast-encoded calls decode to the same values with the package, and the fast parser agrees', async () => {
    const rnd = seededRandom(7);
    for (let i = 0; i < 300; i++) {
      const params = Array.from({ length: rnd(4) }, () => randomValue(rnd, 0));
      const xml = fastEncodeCall('method.x', params);
      expect(xml, JSON.stringify(params)).to.be.a('string');
      const viaPackage = await packageDecodeCall(xml!);
      expect(viaPackage).to.deep.equal({ method: 'method.x', params });
      expect(fastDecodeCall(xml!)).to.deep.equal(viaPackage);
    }
  });

  it('package-encoded calls and responses: the fast parser returns what the package returns, or declines', async () => {
    const rnd = seededRandom(11);
    let accepted = 0;
    for (let i = 0; i < 300; i++) {
      const params = Array.from({ length: rnd(4) }, () => randomValue(rnd, 0));
      const call = packageSerializer.serializeMethodCall('m', params);
      const fast = fastDecodeCall(call);
      if (fast !== undefined) {
        accepted++;
        expect(fast).to.deep.equal(await packageDecodeCall(call));
      }
      const resp = packageSerializer.serializeMethodResponse(params);
      const fastResp = fastDecodeResponse(resp);
      if (fastResp !== undefined) expect(fastResp).to.deep.equal(await packageDecodeResponse(resp));
    }
    // CDATA (strings with '<' or '&') and raw CR are declined; the rest, most of them, must take the fast path.
    expect(accepted).to.be.greaterThan(100);
  });

  it('fast-encoded responses decode with the package to the same value', async () => {
    const rnd = seededRandom(3);
    for (let i = 0; i < 200; i++) {
      const v = randomValue(rnd, 0);
      const xml = fastEncodeResponse(v)!;
      expect(await packageDecodeResponse(xml)).to.deep.equal({ fault: false, value: v });
      expect(fastDecodeResponse(xml)).to.deep.equal({ fault: false, value: v });
    }
  });

  it('other layouts: same result as the package whenever the fast parser accepts; unusual input is declined', async () => {
    for (const xml of [...OTHER_LAYOUTS, ...MUST_DECLINE]) {
      const fast = fastDecodeCall(xml);
      if (fast !== undefined) expect(await settle(packageDecodeCall(xml)), xml).to.deep.equal({ ok: fast });
    }
    for (const xml of OTHER_LAYOUTS) expect(fastDecodeCall(xml), xml).to.not.equal(undefined);
    for (const xml of MUST_DECLINE) expect(fastDecodeCall(xml), xml).to.equal(undefined);
  });

  it('declines values it does not serialize (Date, Buffer, control characters, non-finite numbers)', () => {
    expect(fastEncodeCall('m', [new Date(0)])).to.equal(undefined);
    expect(fastEncodeCall('m', [Buffer.from('x')])).to.equal(undefined);
    expect(fastEncodeCall('m', ['\u0001'])).to.equal(undefined);
    expect(fastEncodeResponse(Number.NaN)).to.equal(undefined);
  });
});
