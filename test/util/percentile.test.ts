// Nearest-rank percentiles: what run_client and the benchmark print must be latencies that were actually observed.
import { expect } from 'chai';
import { percentile } from '../../src/util/percentile.js';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100 ms

  it('picks the sample at rank ceil(p * n)', () => {
    expect(percentile(hundred, 0.5)).to.equal(50);
    expect(percentile(hundred, 0.99)).to.equal(99);
    expect(percentile(hundred, 0.999)).to.equal(100);
    expect(percentile(hundred, 0)).to.equal(1);
    expect(percentile(hundred, 1)).to.equal(100);
  });

  it('works on typed arrays and single samples, and is NaN with no samples', () => {
    expect(percentile(Float64Array.from([2.5, 7, 9]), 0.5)).to.equal(7);
    expect(percentile([42], 0.999)).to.equal(42);
    expect(percentile([], 0.5)).to.be.NaN;
  });
});
