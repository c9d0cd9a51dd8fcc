// SPDX-License-Identifier: GPL-2.0-only
/*
 * The simulator's one source of randomness: a small seedable generator
 * (splitmix32 stepping, then a murmur3 finaliser), so that every run is
 * reproducible bit for bit from its seed. Not fio's tausworthe generator:
 * fio's exact offsets are not reproduced, only its distributions.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new RangeError(`seed ${seed} is not an integer`);
    this.state = seed >>> 0;
  }

  /** The next 32-bit unsigned value. */
  next(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** A uniform integer in [0, n) for n <= 2^32 (rejection keeps it unbiased). */
  below(n: number): number {
    if (!(n >= 1 && n <= 0x1_0000_0000 && Number.isInteger(n))) throw new RangeError(`below(${n})`);
    const limit = 0x1_0000_0000 - (0x1_0000_0000 % n);
    for (;;) {
      const v = this.next();
      if (v < limit) return v % n;
    }
  }

  /** A child generator for one job/thread, independent of the parent's later draws. */
  fork(salt: number): Rng {
    return new Rng((this.next() ^ Math.imul(salt + 1, 0x27d4eb2d)) >>> 0);
  }
}

/** Fisher-Yates shuffle of 0..n-1 (fio's random map: every block once per pass). */
export function permutation(n: number, rng: Rng): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
