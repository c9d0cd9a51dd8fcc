// SPDX-License-Identifier: GPL-2.0-only
// Adversarial notifications (fast-check): the model never throws, answers
// 0 or an errno the kernel code can return, and never leaves the cache
// corrupt (fuse_iext_check_mappings and the tree structure checker), except
// where the seed itself is known to let bad data in (offsets >= 2^63, which
// the run must then have reported as a hazard).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Fork } from '../src/cache/constants.js';
import { RFC_V3, type Revision } from '../src/cache/revision.js';
import { V7 } from '../src/cache/revision-v7.js';
import { checkTreeStructure } from '../src/iext/check.js';
import { beginValidate, decodeBeginOut, encodeInval, encodeUpsert, FuseConn, notifyIomapInvalResult, notifyIomapUpsertResult, writeNotification, encodeNotifyFrame } from '../src/protocol/index.js';

const U64_MAX = (1n << 64n) - 1n;
// values near the edges the validators care about
const edgeU64 = fc.oneof(
  fc.constantFrom(0n, 1n, 0x1000n, 0x2000n, 0x8000n, 1n << 20n, (1n << 63n) - 1n, 1n << 63n, (1n << 63n) + 0x1000n, U64_MAX, U64_MAX - 0xfffn),
  fc.bigInt({ min: 0n, max: 0x40n }).map((b) => b * 0x1000n),
  fc.bigInt({ min: 0n, max: U64_MAX }),
);
const typeFor = (rev: Revision) => fc.oneof(fc.constantFrom(...(rev === V7 ? [0, 1, 2, 3, 4, 253, 254, 255] : [0, 1, 2, 3, 4, 0xfffe, 0xffff])), fc.integer({ min: 0, max: 0xffff }));
const flags = fc.oneof(fc.constant(0), fc.constantFrom(1, 2, 0x20, 0x1000, 0x4000, 0x80), fc.integer({ min: 0, max: 0xffff }));
const dev = fc.oneof(fc.constantFrom(0, 1, 2, 9, 0x7fff_ffff, 0xffff_ffff), fc.integer({ min: 0, max: 0xffff_ffff }));
const addr = fc.oneof(fc.constant(U64_MAX), edgeU64);
const io = (rev: Revision) => fc.record({ offset: edgeU64, length: edgeU64, addr, type: typeFor(rev), flags, dev });
const nodeid = fc.oneof(fc.constant(5n), fc.constantFrom(1n, 6n, U64_MAX));
const attrIno = fc.oneof(fc.constant(0x55n), fc.constantFrom(0n, 5n));

const upsert = (rev: Revision) => fc.record({ kind: fc.constant('upsert' as const), nodeid, attrIno, read: io(rev), write: io(rev) });
const inval = fc.record({
  kind: fc.constant('inval' as const),
  nodeid,
  attrIno,
  read: fc.record({ offset: edgeU64, length: edgeU64 }),
  write: fc.record({ offset: edgeU64, length: edgeU64 }),
});

// What fuse_iomap_upsert/_inval (rfc-v3) and their v7 twins can return.
const ALLOWED = new Set([0, -5, -13, -22, -116, -117]);
const HIGH = 1n << 63n;

function newConn(rev: Revision, hazards: string[]) {
  const conn = new FuseConn({ revision: rev, onHazard: (h) => hazards.push(h.hazard.id) });
  conn.addDevice({ sizeBytes: 1n << 30n });
  conn.addDevice({ sizeBytes: 1n << 16n });
  conn.addInode({ nodeid: 5n, attrIno: 0x55n });
  conn.addInode({ nodeid: 6n, attrIno: 6n, bad: true });
  conn.addInode({ nodeid: 1n, attrIno: 1n, fileio: false });
  return conn;
}

function checkAll(conn: FuseConn): string[] {
  const problems: string[] = [];
  for (const inode of conn.inodes.values()) {
    const cache = inode.cacheOrNull;
    if (!cache) continue;
    for (const f of [Fork.READ, Fork.WRITE]) {
      const tree = cache.forkPtr(f);
      if (!tree) continue;
      for (const p of cache.checkMappings(f)) problems.push(`nodeid ${inode.nodeid} fork ${f}: ${p.what}`);
      for (const p of checkTreeStructure(tree)) problems.push(`nodeid ${inode.nodeid} fork ${f}: ${p}`);
    }
    if (inode.lockState() !== 'free') problems.push(`nodeid ${inode.nodeid}: lock left ${inode.lockState()}`);
  }
  return problems;
}

const touchesHigh = (ops: Array<{ read: { offset: bigint; length: bigint }; write: { offset: bigint; length: bigint } }>) =>
  ops.some((o) => [o.read, o.write].some((r) => r.offset >= HIGH || r.offset + r.length > HIGH));

for (const rev of [RFC_V3, V7]) {
  describe(`${rev.name}: adversarial notification sequences`, () => {
    it('never throw, answer 0 or a kernel errno, keep the cache sound', () => {
      fc.assert(
        fc.property(fc.array(fc.oneof(upsert(rev), upsert(rev), inval), { minLength: 1, maxLength: 25 }), (ops) => {
          const hazards: string[] = [];
          const conn = newConn(rev, hazards);
          for (const op of ops) {
            const bytes = op.kind === 'upsert' ? encodeUpsert(op) : encodeInval(op);
            const r = op.kind === 'upsert' ? notifyIomapUpsertResult(conn, bytes) : notifyIomapInvalResult(conn, bytes);
            expect(ALLOWED.has(r.err), `errno ${r.err} (${r.rule})`).toBe(true);
            expect(r.err === 0 ? r.rule === '' || r.rule === 'kernel-oops' : r.rule !== '').toBe(true);
            if (r.oops) expect(touchesHigh([op])).toBe(true); // the C only dereferences NULL with offsets >= 2^63
          }
          const problems = checkAll(conn);
          // sound unless a mapping at or past 2^63 got in (reported as a hazard)
          if (problems.length) {
            expect(touchesHigh(ops), problems.join('; ')).toBe(true);
            expect(hazards.some((h) => ['upsert-signed-offset', 'negative-offset-record', 'remove-end-overflow', 'key-invalid-collision'].includes(h))).toBe(true);
          }
        }),
        { numRuns: 400 },
      );
    });

    it('every 80-byte and 48-byte payload, and random frames, are answered without throwing', () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 80, maxLength: 80 }), fc.uint8Array({ minLength: 48, maxLength: 48 }), fc.uint8Array({ maxLength: 120 }), (u, i, junk) => {
          const conn = newConn(rev, []);
          for (const r of [notifyIomapUpsertResult(conn, u), notifyIomapInvalResult(conn, i)]) expect(ALLOWED.has(r.err)).toBe(true);
          // nodeid 5 patched in so that the inode paths are reached too
          const u5 = u.slice();
          new DataView(u5.buffer).setBigUint64(0, 5n, true);
          new DataView(u5.buffer).setBigUint64(8, 0x55n, true);
          expect(ALLOWED.has(notifyIomapUpsertResult(conn, u5).err)).toBe(true);
          expect(writeNotification(conn, junk).err).toBeLessThanOrEqual(0);
          expect(ALLOWED.has(writeNotification(conn, encodeNotifyFrame(conn.protocol.notifyUpsertCode, junk)).err)).toBe(true);
          expect(checkAll(conn).filter((p) => p.includes('lock'))).toEqual([]);
        }),
        { numRuns: 300 },
      );
    });

    it('any begin reply bytes decode (at the right size) and validate to 0 or the bad-data errno without throwing', () => {
      const conn = newConn(rev, []);
      const p = conn.protocol;
      fc.assert(
        fc.property(fc.uint8Array({ minLength: p.beginOutSize, maxLength: p.beginOutSize }), fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), fc.boolean(), (b, pos, caches) => {
          const d = decodeBeginOut(p, b);
          expect(d.ok).toBe(true);
          if (!d.ok) return;
          const v = beginValidate(p, d.value, { blockSize: 0x1000n, maxBytes: (1n << 63n) - 1n, cachesIomaps: caches }, pos);
          expect([0, -p.badDataErrno]).toContain(v.err);
          expect(v.err === 0).toBe(v.rule === '');
        }),
        { numRuns: 500 },
      );
    });

    it('in-range notifications (offsets below 2^40) never corrupt anything and never hit a hazard but the known ones', () => {
      const small = fc.bigInt({ min: 0n, max: 0x100n }).map((b) => b * 0x1000n);
      const goodIo = fc.record({
        offset: small,
        length: small.map((l) => l + 0x1000n),
        addr: fc.constantFrom(U64_MAX, 0x100000n),
        type: fc.constantFrom(...(rev === V7 ? [0, 1, 2, 253] : [0, 1, 2, 0xfffe])),
        flags: fc.constant(0),
        dev: fc.constantFrom(0, 1),
      });
      fc.assert(
        fc.property(
          fc.array(
            fc.oneof(
              fc.record({ kind: fc.constant('upsert' as const), nodeid: fc.constant(5n), attrIno: fc.constant(0x55n), read: goodIo, write: goodIo }),
              fc.record({ kind: fc.constant('inval' as const), nodeid: fc.constant(5n), attrIno: fc.constant(0x55n), read: fc.record({ offset: small, length: fc.oneof(small, fc.constant(U64_MAX)) }), write: fc.record({ offset: small, length: small }) }),
            ),
            { maxLength: 40 },
          ),
          (ops) => {
            const hazards: string[] = [];
            const conn = newConn(rev, hazards);
            let accepted = 0;
            for (const op of ops) {
              const r = op.kind === 'upsert' ? notifyIomapUpsertResult(conn, op) : notifyIomapInvalResult(conn, op);
              expect([0, -5, -117]).toContain(r.err);
              expect(r.rule.endsWith('-cache'), r.rule).toBe(false); // no corruption errors from the cache for sane input
              if (r.err === 0) accepted++;
            }
            expect(checkAll(conn)).toEqual([]);
            expect(hazards.filter((h) => h !== 'erase-all-no-seq-bump')).toEqual([]);
            return accepted >= 0;
          },
        ),
        { numRuns: 300 },
      );
    });
  });
}
