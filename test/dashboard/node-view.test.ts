// What the dashboard accepts from a node: a well-formed status/logTail becomes a view; anything else is refused with
// one line naming the field (the watcher then shows the node as down with that line, never crashes).
import { expect } from 'chai';
import { parseStatus, parseTail } from '../../src/dashboard/node-view.js';

const good = {
  id: 'a:1', role: 'precandidate', term: 3, leader: '', commitIndex: 5, lastApplied: 5, lastLogIndex: 6, peers: ['b:2'],
  suspended: false, vote: 'a:1', leaderContactMs: 40, progress: [{ id: 'b:2', match: 5, next: 6, active: true }],
  isolatedFrom: ['b:2'], isolatedMs: 1500,
};

describe('dashboard node view parsing', () => {
  it('maps precandidate to the candidate hook and keeps the raw role', () => {
    const v = parseStatus('a:1', good);
    expect(v).to.include({ role: 'candidate', rawRole: 'precandidate', term: 3, vote: 'a:1', leaderContactMs: 40, isolatedMs: 1500 });
    expect(v.progress).to.deep.equal([{ id: 'b:2', match: 5, next: 6, active: true }]);
  });

  it('shows an older node (no dashboard fields) with defaults', () => {
    const { vote: _v, leaderContactMs: _l, progress: _p, isolatedFrom: _i, isolatedMs: _m, ...old } = good;
    const v = parseStatus('a:1', { ...old, role: 'leader' });
    expect(v).to.include({ role: 'leader', vote: '', leaderContactMs: -1, isolatedMs: 0 });
    expect(v.progress).to.deep.equal([]);
  });

  it('refuses wrong shapes with a line naming the field', () => {
    expect(() => parseStatus('a:1', 'x')).to.throw('status from a:1 is not a struct');
    expect(() => parseStatus('a:1', { ...good, role: 'king' })).to.throw(/role "king" is not one of/);
    expect(() => parseStatus('a:1', { ...good, term: '3' })).to.throw('term must be a whole number >= 0, got string');
    expect(() => parseStatus('a:1', { ...good, progress: [{ id: 'b:2', match: 'x', next: 1, active: true }] })).to.throw('progress[0].match must be a whole number');
    // A dashboard field that is present but malformed is an error too (absent is fine: an older node).
    expect(() => parseStatus('a:1', { ...good, isolatedFrom: 'b:2' })).to.throw('isolatedFrom must be an array');
    expect(() => parseTail({})).to.throw('not an array');
    expect(() => parseTail([{ index: 1, term: 1, type: 'add', committed: 'yes', data: '' }])).to.throw('committed is not a boolean');
  });

  it('bounds what it keeps from a node: 200 entries, 64 characters of data', () => {
    const e = { index: 1, term: 1, type: 'add', committed: true, data: 'x'.repeat(10_000) };
    const t = parseTail(Array.from({ length: 1000 }, () => e));
    expect(t).to.have.length(200);
    expect(t[0].data).to.have.length(64);
  });
});
