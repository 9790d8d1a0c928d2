// The anti-replay window against a plain model (a set of every counter seen, and the highest one): a counter is
// accepted exactly when it was never seen and is within REPLAY_WINDOW of the highest seen so far.
import { expect } from 'chai';
import fc from 'fast-check';
import { REPLAY_WINDOW, ReplayGuard } from '../../src/security/replay-guard.js';
import { ANSWER_AUTH_HEADER, PeerSigner, PeerVerifier, sealAnswer } from '../../src/security/peer-mac.js';
import { randomBytes } from 'node:crypto';

const BOOT = '0123456789abcdef';

describe('replay guard', () => {
  it('accepts each counter once, out of order within the window, and refuses older ones', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 * REPLAY_WINDOW }), { maxLength: 300 }), (counters) => {
        const g = new ReplayGuard(60_000);
        const seen = new Set<number>();
        let max = -1;
        for (const n of counters) {
          const want = !seen.has(n) && n > max - REPLAY_WINDOW;
          const got = g.check('a', `${BOOT}.${n}`, 1000) === null;
          expect(got, `counter ${n} (max ${max})`).to.equal(want);
          if (got) {
            seen.add(n);
            max = Math.max(max, n);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps senders and boots apart, and refuses malformed nonces', () => {
    const g = new ReplayGuard(60_000);
    expect(g.check('a', `${BOOT}.1`, 0)).to.equal(null);
    expect(g.check('b', `${BOOT}.1`, 0)).to.equal(null);
    expect(g.check('a', `fedcba9876543210.1`, 0)).to.equal(null);
    expect(g.check('a', `${BOOT}.1`, 0)).to.match(/replayed/);
    for (const bad of ['', '1', `${BOOT}`, `${BOOT}.-1`, `${BOOT}.1e3`, `XYZ.1`, `${BOOT}.1234567890123456`]) {
      expect(g.check('a', bad, 0), bad).to.equal('malformed nonce');
    }
  });
});

describe('peer MAC', () => {
  const keyAB = randomBytes(32);
  const keyAC = randomBytes(32);
  it('verifies what the sender signed for this receiver, and nothing else', () => {
    let now = 1_000_000;
    const a = new PeerSigner('a:1', new Map([['b:1', keyAB], ['c:1', keyAC]]), () => now);
    const b = new PeerVerifier('b:1', new Map([['a:1', [keyAB]]]), () => now);
    const body = Buffer.from('<methodCall>x</methodCall>');
    const h = a.headers('b:1', 'appendEntriesRPC', body)['x-raft-peer-auth'];
    expect(b.verify(h, 'appendEntriesRPC', body)).to.deep.include({ ok: true, sender: 'a:1' });
    expect(b.verify(h, 'appendEntriesRPC', body)).to.include({ ok: false, why: 'replayed request (nonce already seen)' });
    const h2 = a.headers('b:1', 'appendEntriesRPC', body)['x-raft-peer-auth'];
    expect(b.verify(h2, 'requestVotesRPC', body)).to.include({ why: 'bad MAC' });
    expect(b.verify(h2, 'appendEntriesRPC', Buffer.from('<methodCall>y</methodCall>'))).to.include({ why: 'bad MAC' });
    // Signed for c, presented to b: the key differs, and so does the receiver in the MAC.
    expect(b.verify(a.headers('c:1', 'appendEntriesRPC', body)['x-raft-peer-auth'], 'appendEntriesRPC', body)).to.include({ why: 'bad MAC' });
    const h3 = a.headers('b:1', 'appendEntriesRPC', body)['x-raft-peer-auth'];
    now += 31_000;
    expect(b.verify(h3, 'appendEntriesRPC', body).ok).to.equal(false);
    expect(b.verify(undefined, 'appendEntriesRPC', body)).to.include({ why: 'no peer authentication header' });
    expect(b.verify('x'.repeat(600), 'appendEntriesRPC', body).ok).to.equal(false);
    expect(b.verify(h3.replace('a:1', 'z:1'), 'appendEntriesRPC', body)).to.include({ ok: false, claimed: 'z:1' });
  });

  it('proves an answer to the one request it answers, from the member asked, and nothing else', () => {
    const a = new PeerSigner('a:1', new Map([['b:1', keyAB], ['c:1', keyAC]]));
    const b = new PeerVerifier('b:1', new Map([['a:1', [randomBytes(32), keyAB]]]));
    const call = Buffer.from('<methodCall>vote</methodCall>');
    const sent1 = a.headers('b:1', 'requestVotesRPC', call);
    const sent2 = a.headers('b:1', 'requestVotesRPC', call);
    const check = b.verify(sent1['x-raft-peer-auth'], 'requestVotesRPC', call);
    if (!check.ok) throw new Error(check.why);
    const answer = '<methodResponse>granted</methodResponse>';
    const seal = sealAnswer('b:1', check.proof, answer)[ANSWER_AUTH_HEADER];
    expect(a.checkAnswer('b:1', sent1, seal, Buffer.from(answer))).to.equal(null);
    // The same answer and seal played back for the next request (same method, same body): refused.
    expect(a.checkAnswer('b:1', sent2, seal, Buffer.from(answer))).to.equal('bad answer MAC');
    expect(a.checkAnswer('b:1', sent1, seal, Buffer.from(answer.replace('granted', 'refused')))).to.equal('bad answer MAC');
    // Passed off as c's answer (c was never asked, and its key differs).
    expect(a.checkAnswer('c:1', sent1, seal, Buffer.from(answer))).to.match(/bad answer MAC|not signed/);
    expect(a.checkAnswer('b:1', sent1, undefined, Buffer.from(answer))).to.equal('the answer carries no peer MAC');
    expect(a.checkAnswer('b:1', sent1, 'zz'.repeat(32), Buffer.from(answer))).to.equal('malformed answer MAC');
    // A request's MAC is no answer's MAC.
    expect(a.checkAnswer('b:1', sent1, sent1['x-raft-peer-auth'].split(' ')[4], Buffer.from(answer))).to.equal('bad answer MAC');
  });
});
