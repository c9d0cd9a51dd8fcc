// SPDX-License-Identifier: GPL-2.0-only
/*
 * The scenario language per kernel revision: TYPE and FLAGS names resolve
 * with the tables of the revision the scenario runs under (v7 renumbered
 * them, src/cache/revision-v7.ts), v7-only names are refused elsewhere with
 * FILE:LINE, `cachemaxbytes` sets v7's per-connection cap, and a scenario
 * parsed for one revision runs under another by name.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RevisionEvent } from '../src/cache/events.js';
import { RFC_V3 } from '../src/cache/revision.js';
import { V7, V7_TREE } from '../src/cache/revision-v7.js';
import { diffRevisions } from '../src/cli/revisions-command.js';
import { parseScenario, ScenarioError } from '../src/scenario/parse.js';
import { type CommandResult, runScenario } from '../src/scenario/run.js';
import { CLI } from './paths.js';

const maps = (text: string, revision?: typeof V7) =>
  parseScenario(text, 't.scenario', { revision }).commands.flatMap((c) => (c.op === 'upsert' || c.op === 'add' ? [[c.map.type, c.map.flags]] : []));

const err = (text: string, revision?: typeof V7): string => {
  try {
    parseScenario(text, 't.scenario', { revision });
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return (e as Error).message;
  }
  throw new Error('parsed without error');
};

describe('TYPE and FLAGS names per revision', () => {
  const line = 'upsert write 0 0x1000 0 overwrite boundary|anon_write|stale 0\n';

  it('rfc-v3 (default): overwrite 0xffff, boundary 0x40, anon_write 0x80, stale 0x8000', () => {
    expect(maps(line)).toEqual([[0xffff, 0x40 | 0x80 | 0x8000]]);
  });

  it('v7 by `revision` line or by the run override: overwrite 255, boundary 0x10, anon_write 0x20, stale 0x200', () => {
    expect(maps('revision v7\n' + line)).toEqual([[255, 0x10 | 0x20 | 0x200]]);
    expect(maps(line, V7)).toEqual([[255, 0x10 | 0x20 | 0x200]]);
    // the override wins over the scenario's own line
    expect(maps('revision rfc-v3\n' + line, V7_TREE)).toEqual([[255, 0x230]]);
    expect(maps('revision v7\n' + line, RFC_V3)).toEqual([[0xffff, 0x80c0]]);
  });

  it('v7-only types nocache 253 and retry 254 exist under v7 and v7-tree only', () => {
    expect(maps('revision v7\nupsert read 0 0x1000 0 nocache 0 0\nupsert read 0 0x1000 0 retry 0 0\n')).toEqual([[253, 0], [254, 0]]);
    expect(maps('upsert read 0 0x1000 0 nocache 0 0\n', V7_TREE)).toEqual([[253, 0]]);
    expect(err('blocksize 4096\nupsert read 0 0x1000 0 nocache 0 0\n')).toBe(
      "t.scenario:2: TYPE 'nocache' does not exist in rfc-v3 (only in v7, v7-tree; select one with a 'revision' line or --revision)",
    );
    expect(err('\n\nadd read 0 0x1000 0 retry 0 0\n', RFC_V3)).toMatch(/^t\.scenario:3: TYPE 'retry' does not exist in rfc-v3 \(only in v7, v7-tree/);
  });

  it("rfc-v3's null type and xattr flag are refused under v7, naming the line", () => {
    expect(err('revision v7\nupsert read 0 0x1000 0 null 0 0\n')).toMatch(/^t\.scenario:2: TYPE 'null' does not exist in v7 \(only in rfc-v3/);
    expect(err('revision v7\n# c\nupsert read 0 0x1000 0 mapped new|xattr 0\n')).toMatch(/^t\.scenario:3: FLAGS: flag 'xattr' does not exist in v7 \(only in rfc-v3/);
    expect(err('revision v7\nupsert read 0 0x1000 0 mapped bogus 0\n')).toMatch(/^t\.scenario:2: FLAGS: unknown flag 'bogus' \(v7 knows: new, dirty, shared, merged, boundary,/);
    expect(err('revision v7\nupsert read 0 0x1000 0 weird 0 0\n')).toMatch(/^t\.scenario:2: TYPE 'weird' is neither a number nor one of overwrite, retry, nocache, hole/);
  });

  it('numbers are taken as the running revision values, unchanged', () => {
    expect(maps('revision v7\nupsert read 0 0x1000 0 253 0x230 0\n')).toEqual([[253, 0x230]]);
  });
});

describe('cachemaxbytes', () => {
  it('sets the scenario cap under v7 and is refused under rfc-v3 at its own line', () => {
    expect(parseScenario('revision v7\ncachemaxbytes 4096\n').cacheMaxBytes).toBe(4096);
    expect(parseScenario('cachemaxbytes 512\nrevision v7-tree\n').cacheMaxBytes).toBe(512);
    expect(err('cachemaxbytes 4096\nupsert read 0 0x1000 0 mapped 0 0\n')).toMatch(
      /^t\.scenario:1: cachemaxbytes: revision rfc-v3 has no per-connection cache cap \(cache_maxbytes exists in v7, v7-tree/,
    );
    expect(err('revision v7\ncachemaxbytes 4096\n', RFC_V3)).toMatch(/^t\.scenario:2: cachemaxbytes: revision rfc-v3/);
    expect(err('revision v7\ncachemaxbytes 0x100000000\n')).toBe('t.scenario:2: cachemaxbytes 0x100000000 does not fit in 32 bits');
    expect(err('revision v7\nupsert read 0 0x1000 0 mapped 0 0\ncachemaxbytes 4096\n')).toBe("t.scenario:3: 'cachemaxbytes' must come before the first cache command");
  });

  it('the cap destroys the upserted fork once it holds more than cachemaxbytes (ir_bytes = 32 per record)', () => {
    // 9 disjoint records = 288 bytes > 256 (the clamp floor NODE_SIZE); the 10th upsert cleans up first
    const lines = ['revision v7', 'cachemaxbytes 1'];
    for (let i = 0; i < 10; i++) lines.push(`upsert read 0x${(i * 0x2000).toString(16)} 0x1000 0x${(0x100000 + i * 0x2000).toString(16)} mapped 0 1`);
    lines.push('dump read');
    const events: RevisionEvent[] = [];
    let count = -1;
    runScenario(parseScenario(lines.join('\n')), {
      revisionSink: (ev) => events.push(ev),
      onResult: (r: CommandResult) => {
        if (r.op === 'dump' && !r.nofork) count = r.count;
      },
    });
    expect(count).toBe(1);
    expect(events.map((e) => e.name)).toEqual(['fuse_iomap_cache_alloc', 'fuse_iomap_cache_cleanup', 'fuse_iomap_cache_free']);
    expect(events[1].name === 'fuse_iomap_cache_cleanup' && events[1].bytes).toBe(288n);
    // RunOptions.cacheMaxBytes overrides the setting: 2 MiB holds all ten
    count = -1;
    runScenario(parseScenario(lines.join('\n')), { cacheMaxBytes: 2 << 20, onResult: (r) => r.op === 'dump' && !r.nofork && (count = r.count) });
    expect(count).toBe(10);
  });
});

describe('running a scenario under another revision than it was parsed for', () => {
  it('re-encodes by name: v7 names run under rfc-v3 give the rfc-v3 values', () => {
    const sc = parseScenario('revision v7\nupsert read 0 0x1000 0x8000 mapped boundary 1\nlookup read 0 1\n');
    const hits: Array<[number, number]> = [];
    runScenario(sc, { revision: RFC_V3, onResult: (r) => r.op === 'lookup' && r.result === 'hit' && hits.push([r.map.type, r.map.flags]) });
    expect(hits).toEqual([[2, 0x40]]);
  });

  it('revisions diff accepts v7-only names, with or without a revision line', () => {
    const body = 'upsert write 0 0x1000 0 nocache 0 0\nupsert read 0 0x1000 0x8000 mapped 0 1\ndump read\n';
    for (const text of ['revision v7\ncachemaxbytes 4096\n' + body, body]) {
      const r = diffRevisions(text, 's', RFC_V3, V7);
      expect(r.commands).toBe(3);
      // rfc-v3 runs nocache as its predecessor null (0xfffe); the cache layer
      // stores either (the notification handler is what skips them)
      expect(r.a.states[0].shape).toBe('read 0/0 write 1/1');
      expect(r.b.states[0].shape).toBe('read 0/0 write 1/1');
      expect(r.a.states[2].result).toBe('read count 1 height 1: 0+1000 addr 8000 mapped () dev 1');
    }
  });
});

describe('iomap-sim run: --revision resolves the names, --cache-maxbytes sets the cap', () => {
  const work = mkdtempSync(join(tmpdir(), 'iomap-sim-revlang-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  const f = join(work, 'cap.scenario');
  const lines: string[] = [];
  for (let i = 0; i < 10; i++) lines.push(`upsert read 0x${(i * 0x2000).toString(16)} 0x1000 0x${(0x100000 + i * 0x2000).toString(16)} mapped boundary 1`);
  lines.push('dump read');
  writeFileSync(f, lines.join('\n') + '\n');

  it('v7 names parse only with --revision v7; the cap applies under it', () => {
    const v7 = cli(['run', f, '--revision', 'v7', '--cache-maxbytes', '256', '--json']);
    expect(v7.status).toBe(0);
    const dump = JSON.parse(v7.stdout.trim().split('\n').at(-1)!);
    expect(dump.count).toBe(1);
    // boundary is 0x10 in v7
    expect(dump.extents[0].flags).toBe(0x10);
    const uncapped = JSON.parse(cli(['run', f, '--revision', 'v7', '--json']).stdout.trim().split('\n').at(-1)!);
    expect(uncapped.count).toBe(10);
  });

  it('--cache-maxbytes is refused under rfc-v3 and for bad numbers (exit 2)', () => {
    const r = cli(['run', f, '--cache-maxbytes', '4096']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--cache-maxbytes: revision rfc-v3 has no per-connection cache cap/);
    const bad = cli(['run', f, '--revision', 'v7', '--cache-maxbytes', '4k']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--cache-maxbytes '4k' is not an unsigned 32-bit integer/);
  });
});
