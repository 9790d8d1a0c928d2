// get_raftlog's verdict: prefixes of one history are consistent; the first differing line is named per host.
import { expect } from 'chai';
import { describeVerdict, judgeRaftlogs } from '../../deploy/raftlog-verdict.js';

const line = (index: number, type: string, data = ''): string =>
  JSON.stringify({ index, term: 1, type, tid: type === 'noop' ? '' : `t${index}`, data, key: '' });
const file = (...lines: string[]): string => lines.map((l) => l + '\n').join('');

describe('deploy raftlog verdict', () => {
  const a = file(line(1, 'noop'), line(2, 'add', 'x'), line(3, 'add', 'y'));

  it('byte-identical files are consistent and identical, with client entries counted', () => {
    const v = judgeRaftlogs([{ host: 'h1', text: a }, { host: 'h2', text: a }]);
    expect(v.consistent).to.equal(true);
    expect(v.identical).to.equal(true);
    expect(v.hosts.map((h) => [h.lines, h.clientEntries])).to.deep.equal([[3, 2], [3, 2]]);
  });

  it('a shorter prefix is consistent but not identical', () => {
    const v = judgeRaftlogs([{ host: 'h1', text: a }, { host: 'h2', text: file(line(1, 'noop')) }, { host: 'h3', text: '' }]);
    expect(v.consistent).to.equal(true);
    expect(v.identical).to.equal(false);
    expect(v.reference).to.equal('h1');
    expect(describeVerdict(v).at(-1)).to.match(/prefix of one history/);
  });

  it('names the diverging host and line', () => {
    const b = file(line(1, 'noop'), line(2, 'add', 'x'), line(3, 'add', 'OTHER'));
    const v = judgeRaftlogs([{ host: 'h1', text: a }, { host: 'h2', text: b + file(line(4, 'add')) }]);
    expect(v.consistent).to.equal(false);
    const h1 = v.hosts.find((h) => h.host === 'h1');
    expect(h1?.divergesAt).to.equal(3);
    expect(describeVerdict(v).join('\n')).to.match(/h1 .*DIVERGES from h2 at line 3/).and.match(/INCONSISTENT/);
  });

  it('does not count a last line cut short, and says so', () => {
    const v = judgeRaftlogs([{ host: 'h1', text: a + '{"index":4' }]);
    expect(v.hosts[0].lines).to.equal(3);
    expect(v.hosts[0].partialLastLine).to.equal(true);
  });
});
