// SPDX-License-Identifier: GPL-2.0-only
/* The iomap-sim command line: run, its options and errors, demo, generate. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, FIXTURES } from './paths.js';

const work = mkdtempSync(join(tmpdir(), 'iomap-sim-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function scenarioFile(name: string, text: string): string {
  const f = join(work, name);
  writeFileSync(f, text);
  return f;
}

const HEAD = 'geometry fuse\nblocksize 4096\nmaxbytes 0x7fffffffffffffff\n';

describe('iomap-sim run: malformed input', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['unknown command', 'upsert read 0 0x1000 0x1000 2 0 1\nfrobnicate read\n', /:5: unknown command 'frobnicate'/],
    ['wrong arity', 'remove read 0x1000\n', /:4: 'remove' takes 3 arguments, got 2 \(usage: remove read\|write OFFSET LENGTH\)/],
    ['bad number', 'lookup read 0x10g0 0x200\n', /:4: POS '0x10g0' is not an unsigned 64-bit number/],
    ['number past 2^64', 'lookup read 0x10000000000000000 0x200\n', /:4: POS '0x10000000000000000' is not an unsigned 64-bit number/],
    ['negative number', 'lookup read -1 0x200\n', /:4: POS '-1' is not an unsigned 64-bit number/],
    ['bad fork', 'dump left\n', /:4: fork 'left' must be read or write/],
    ['bad type name', 'add read 0 0x1000 0x1000 maped 0 1\n', /:4: TYPE 'maped' is neither a number nor one of overwrite, null, hole/],
    ['type too wide', 'add read 0 0x1000 0x1000 0x10000 0 1\n', /:4: TYPE 0x10000 does not fit in 16 bits/],
    ['bad flag name', 'add read 0 0x1000 0x1000 mapped new|drty 1\n', /:4: FLAGS: unknown flag 'drty'/],
    ['dev too wide', 'add read 0 0x1000 0x1000 mapped 0 0x100000000\n', /:4: DEV 0x100000000 does not fit in 32 bits/],
    ['setting after a command', 'dump read\nblocksize 512\n', /:5: 'blocksize' must come before the first cache command/],
    ['bad blocksize', '', /:2: blocksize 3000 must be a power of two/],
    ['unknown revision', 'revision v99\n', /:4: revision 'v99' is not one of rfc-v3/],
    ['revision after a command', 'dump read\nrevision rfc-v3\n', /:5: 'revision' must come before the first cache command/],
  ];
  for (const [what, body, re] of cases) {
    it(`${what}: FILE:LINE and nothing applied`, () => {
      const text = what === 'bad blocksize' ? 'geometry fuse\nblocksize 3000\n' : HEAD + body;
      const f = scenarioFile(`bad-${what.replace(/\W+/g, '-')}.scenario`, text);
      const r = cli(['run', f]);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe(''); // parsed whole before anything ran
      expect(r.stderr).toContain(f + ':');
      expect(r.stderr).toMatch(re);
    });
  }

  it('a missing file is a clear error', () => {
    const r = cli(['run', join(work, 'nope.scenario')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cannot read .*nope\.scenario/);
  });

  it('unknown options and revisions are rejected', () => {
    const f = scenarioFile('ok.scenario', HEAD + 'dump read\n');
    expect(cli(['run', f, '--frob']).stderr).toMatch(/Unknown option '--frob'/);
    const r = cli(['run', f, '--revision', 'v99']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown revision 'v99' \(known: rfc-v3/);
  });
});

describe('iomap-sim run: formats and options', () => {
  it('TYPE and FLAGS by name equal the numbers', () => {
    const byName = scenarioFile('names.scenario', HEAD + 'upsert write 0x1000 0x2000 0x9000 unwritten new|dirty 1\nupsert write 0x3000 0x1000 0xffffffffffffffff overwrite iomap_end 0\ndump write\n');
    const byNum = scenarioFile('nums.scenario', HEAD + 'upsert write 0x1000 0x2000 0x9000 3 3 1\nupsert write 0x3000 0x1000 0xffffffffffffffff 65535 0x1000 0\ndump write\n');
    const a = cli(['run', byName]);
    expect(a.status).toBe(0);
    expect(a.stdout).toBe(cli(['run', byNum]).stdout);
    expect(a.stdout).toContain('  1000+2000 addr 9000 type 3 flags 3 dev 1\n');
  });

  it('--json gives one object per command, 64-bit values as hex strings, agreeing with .out', () => {
    const f = join(FIXTURES, 'mixed-11.scenario');
    const text = cli(['run', f]).stdout;
    const json = cli(['run', f, '--json']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    const commands = readFileSync(f, 'utf8').split('\n').filter((l) => /^(add|upsert|remove|lookup|invalidate|dump)\b/.test(l));
    expect(json.length).toBe(commands.length);
    const outLines = text.split('\n').filter((l) => l && !l.startsWith('  '));
    json.forEach((o, i) => {
      expect(o.cmd).toBe(commands[i].split(' ')[0]);
      if ('seq' in o) expect(o.seq).toMatch(/^0x[0-9a-f]+$/);
      if (o.cmd === 'lookup' && o.result === 'hit') {
        expect(o.map.cookie).toMatch(/^0x[0-9a-f]+$/);
        expect(outLines[i]).toBe(`hit ${o.map.offset.slice(2)}+${o.map.length.slice(2)} addr ${o.map.addr.slice(2)} type ${o.map.type} flags ${o.map.flags.toString(16)} dev ${o.map.dev} cookie ${BigInt(o.map.cookie)}`);
      } else if ('ret' in o) {
        expect(outLines[i]).toBe(`${o.cmd} ${o.ret} seq ${BigInt(o.seq)}`);
      }
    });
  });

  it('--lock-events adds fuse_iomap_cache_lock/unlock where the C takes im_lock', () => {
    const f = scenarioFile('locks.scenario', HEAD + 'upsert read 0 0x1000 0x5000 mapped 0 1\nlookup read 0 0x1000\ninvalidate 0 0x1000\n');
    const plain = join(work, 'plain.trace');
    const locked = join(work, 'locked.trace');
    cli(['run', f, '--trace', plain]);
    cli(['run', f, '--trace', locked, '--lock-events']);
    const ev = (file: string) =>
      readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => /: (\w+): /.exec(l)![1]);
    expect(ev(plain)).not.toContain('fuse_iomap_cache_lock');
    expect(ev(locked)).toEqual([
      'fuse_iomap_cache_lock',
      'fuse_iomap_cache_remove',
      'fuse_iomap_cache_add',
      'fuse_iext_add_mapping',
      'fuse_iext_insert',
      'fuse_iomap_cache_unlock',
      'fuse_iomap_cache_lock',
      'fuse_iomap_cache_lookup',
      'fuse_iomap_cache_lookup_result',
      'fuse_iomap_cache_unlock',
      'fuse_iomap_cache_invalidate_range',
      'fuse_iomap_cache_lock',
      'fuse_iomap_cache_remove',
      'fuse_iext_del_mapping',
      'fuse_iext_del_mapping_got',
      'fuse_iext_remove',
      'fuse_iomap_cache_remove',
      'fuse_iomap_cache_unlock',
    ]);
    expect(readFileSync(locked, 'utf8')).toMatch(/fuse_iomap_cache_lock: connection 1 ino 12 nodeid 7 isize 0x0 lock \(exclusive\) caller /);
    expect(readFileSync(locked, 'utf8')).toMatch(/fuse_iomap_cache_unlock: connection 1 ino 12 nodeid 7 isize 0x0 lock \(shared\) caller /);
  });

  it('reports reproduced seed hazards on stderr, keeping stdout exact', () => {
    const f = scenarioFile('hazard.scenario', HEAD + 'upsert read 0 0x1000 0x5000 mapped 0 1\nlookup read 0 0x1000\ninvalidate 0 0xffffffffffffffff\nlookup read 0 0x1000\n');
    const r = cli(['run', f]);
    expect(r.stdout).toBe('upsert 0 seq 1\nhit 0+1000 addr 5000 type 2 flags 0 dev 1 cookie 1\ninvalidate 0 seq 1\nmiss\n');
    expect(r.stderr).toMatch(/erase-all-no-seq-bump \[SPEC 8\.1\] x1, first at line 6/);
  });

  it('a NULL cursor dereference of the C stops the run with FILE:LINE (SPEC 8.2/8.3)', () => {
    let body = '';
    for (let i = 0; i < 8; i++) body += `add read 0x${(i * 0x2000).toString(16)} 0x1000 0x${(0x100000 + i * 0x2000).toString(16)} mapped 0 1\n`;
    body += 'add read 0x8000000000000000 0x1000 0x5000 mapped 0 1\n';
    const f = scenarioFile('oops.scenario', HEAD + body);
    const r = cli(['run', f]);
    expect(r.status).toBe(3);
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(8);
    expect(r.stderr).toContain(`${f}:12: the modelled kernel would crash here: kernel oops in fuse_iext_insert_raw: NULL cursor leaf`);
  });
});

describe('iomap-sim demo and generate', () => {
  it('demo prints a summary and flags the erase-everything hazard', () => {
    const r = cli(['demo']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^iomap-sim: built-in scenario/);
    expect(r.stdout).toMatch(/lookups +\d+ hit, \d+ miss, 0 nofork: hit ratio \d+\.\d%/);
    expect(r.stdout).toMatch(/erase-all-no-seq-bump \[SPEC 8\.1\]/);
  });

  it('generate grow is deterministic per seed and runs clean', () => {
    const a = cli(['generate', 'grow', '--commands', '2000', '--seed', '7']);
    const b = cli(['generate', 'grow', '--commands', '2000', '--seed', '7']);
    const c = cli(['generate', 'grow', '--commands', '2000', '--seed', '8']);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).not.toBe(c.stdout);
    const f = scenarioFile('grow.scenario', a.stdout);
    const r = cli(['run', f]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^fork read count \d+ height [2-9] seq \d+$/m);
    expect(cli(['generate', 'grow', '--commands', 'x']).stderr).toMatch(/--commands 'x' must be a positive integer/);
  });
});

describe('iomap-sim run: output to a reader that goes away', () => {
  it('ends quietly with status 0 when stdout is closed early (| head -1)', () => {
    // 30,000 lines of output: far more than one pipe buffer, so the writes after head exits hit EPIPE
    let text = HEAD;
    for (let i = 1; i <= 15000; i++) text += `add read ${i * 0x2000} 0x1000 ${i * 0x10000} mapped 0 1\n`;
    text += 'dump read\n';
    const f = scenarioFile('epipe.scenario', text);
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI}" run "${f}" | head -1; echo "status \${PIPESTATUS[0]}" >&2`], { encoding: 'utf8' });
    expect(r.stdout).toBe('add 0 seq 1\n');
    expect(r.stderr).toBe('status 0\n');
  });
});
