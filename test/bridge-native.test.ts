// SPDX-License-Identifier: GPL-2.0-only
/*
 * The native tracefs reader against this machine's kernel: it loads (CI
 * builds it: npm run build:native), reads a tracefs instance's raw ring
 * buffers with unhashed pointers, agrees field for field with its own
 * TP_printk text as the text parser decodes it, reports events the ring
 * buffer dropped, and a live session through it replays with 0
 * divergences. Runs under CI=true always, elsewhere when root with the
 * addon built.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { liveXfs } from '../src/bridge/live-session.js';
import { type NativeEvent, loadNative } from '../src/bridge/native.js';
import { Teardown } from '../src/bridge/teardown.js';
import { TracefsInstance } from '../src/bridge/tracefs.js';
import { makeXfsMount } from '../src/bridge/xfs-image.js';
import { decodeBody } from '../src/trace/schema/compile.js';
import { XFS_SCHEMAS } from '../src/trace/schema/registry.js';
import { XFS_EVENTS } from '../src/trace/schema/xfs-events.js';

const CI = process.env.CI === 'true';
const addon = loadNative();
// IOMAP_SIM_SKIP_LIVE=1 leaves them out of a developer's local run; under CI=true they always run
const runNative = CI || (process.getuid?.() === 0 && typeof addon !== 'string' && process.env.IOMAP_SIM_SKIP_LIVE !== '1');

/** A fresh XFS and an instance with the xfs events on; fn gets both; everything torn down after. */
async function withSession<T>(bufferKb: number, fn: (mnt: string, inst: TracefsInstance) => T | Promise<T>): Promise<T> {
  const teardown = new Teardown();
  try {
    const m = makeXfsMount(teardown, 512);
    const inst = TracefsInstance.create(teardown, `iomap-sim-${process.pid}-native-${Date.now()}`);
    inst.tracingOn(false);
    inst.bufferSizeKb(bufferKb);
    for (const event of XFS_EVENTS) inst.enable({ system: 'xfs', event, filter: `dev == ${m.dev}` });
    inst.tracingOn(true);
    return await fn(m.mnt, inst);
  } finally {
    expect(teardown.run()).toEqual([]);
  }
}

describe.runIf(runNative)('native tracefs reader', () => {
  it('is built and loads', () => {
    expect(typeof addon === 'string' ? addon : 'loaded').toBe('loaded');
  });

  it('reads raw events in time order, unhashed pointers, fields equal to its own text', async () => {
    if (typeof addon === 'string') throw new Error(addon);
    const events: NativeEvent[] = await withSession(4096, (mnt, inst) => {
      execFileSync('xfs_io', ['-f', '-c', 'pwrite -q 0 256k', '-c', 'fsync', '-c', 'fpunch 64k 8k', '-c', 'fsync', `${mnt}/f`]);
      const reader = new addon.Reader(inst.root, inst.name, ['xfs']);
      try {
        const out: NativeEvent[] = [];
        for (let i = 0; i < 5; i++) out.push(...reader.poll().events);
        return out;
      } finally {
        reader.close();
      }
    });
    expect(events.length).toBeGreaterThan(10);
    for (let i = 1; i < events.length; i++) expect(events[i].ts >= events[i - 1].ts, `event ${i} in time order`).toBe(true);
    const iext = events.filter((e) => e.name === 'xfs_iext_insert');
    expect(iext.length).toBeGreaterThan(0);
    for (const e of iext) expect(e.fields.leaf).toMatch(/^ffff[0-9a-f]{12}$/); // a kernel address, not a hash
    for (const e of events) {
      const schema = XFS_SCHEMAS.get(e.name)!;
      const text = decodeBody(schema, e.info);
      expect(typeof text, `${e.name}: ${e.info}`).toBe('object');
      if (typeof text === 'string') continue;
      for (const spec of schema.fields) {
        if (spec.decode.kind === 'sym') continue; // caller: symbol text vs address
        expect(e.fields[spec.field], `${e.name}.${spec.field}`).toBe(text[spec.field]);
      }
    }
  });

  it('counts events the ring buffer dropped', async () => {
    if (typeof addon === 'string') throw new Error(addon);
    const batch = await withSession(8, (mnt, inst) => {
      // far more events than an 8 KiB per-CPU buffer holds, none read meanwhile
      execFileSync('sh', ['-c', `for i in $(seq 0 400); do echo -n x | dd of=${mnt}/f bs=1 seek=$((i*8192)) conv=notrunc status=none; done; sync`]);
      const reader = new addon.Reader(inst.root, inst.name, ['xfs']);
      try {
        return { ...reader.poll(), stats: inst.lostEvents() };
      } finally {
        reader.close();
      }
    });
    expect(batch.missed > 0 || batch.missedUnknown || batch.stats > 0).toBe(true);
  });

  it('a live session through it: 0 divergences, 0 lost', async () => {
    const r = await liveXfs({
      command: ['sh', '-ec', 'cd $IOMAP_SIM_MNT; fio --name=rw --filename=f --rw=randwrite --bs=4k --size=4m --ioengine=psync --end_fsync=1 --fallocate=none --output=/dev/null; xfs_io -c "fpunch 1m 12k" -c "fcollapse 8192 8192" -c "finsert 0 4096" -c fsync f'],
      stdio: 'pipe',
      reader: 'native',
    });
    expect(r.reader).toBe('native');
    expect(r.report.divergences, r.report.first?.what).toBe(0);
    expect(r.lostEvents).toBe(0);
    expect(r.report.checked).toBeGreaterThan(1000);
  });
});
