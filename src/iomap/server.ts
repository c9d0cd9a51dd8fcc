// SPDX-License-Identifier: GPL-2.0-only
/*
 * A fuse server you script: each FUSE_IOMAP_BEGIN takes the next queued
 * answer (notifications to send first, then a reply or an errno), like
 * fuse2fs's "upsert, then answer NULL" (001 L17497-17546). END, IOEND and
 * inline I/O take queued errnos and default to success.
 */
import type { IomapServer } from './env.js';
import type { BeginIn, BeginOut, EndIn, IoendIn } from './iomap.js';

/** A notification the server writes to /dev/fuse while handling a request; returns the write's result. */
export type ServerNotification = { what: string; send: (nodeid: bigint) => number };

export interface ServerAnswer {
  /** sent in order before the reply */
  notify: ServerNotification[];
  /** the reply (or a function of the request making it), or a negative errno */
  reply: BeginOut | number | ((req: BeginIn) => BeginOut | number);
}

/** One request the server saw, for the scenario output. */
export interface ServerLogEntry {
  op: 'begin' | 'end' | 'ioend' | 'inline-read' | 'inline-write';
  nodeid: bigint;
  /** notification results (0 or -errno), in order */
  notified: Array<{ what: string; ret: number }>;
  ret: number;
}

export class ScriptedServer implements IomapServer {
  private readonly beginQ: ServerAnswer[] = [];
  private readonly endQ: number[] = [];
  private readonly ioendQ: number[] = [];
  private readonly inlineQ: number[] = [];
  /** requests seen since the last takeLog() */
  log: ServerLogEntry[] = [];
  /** what FUSE_IOMAP_END / IOEND answer when nothing is queued (0; -ENOSYS for a server without them) */
  endDefault = 0;
  ioendDefault = 0;

  queueBegin(a: ServerAnswer, times = 1): void {
    for (let i = 0; i < times; i++) this.beginQ.push(a);
  }
  queueEnd(errno: number): void {
    this.endQ.push(errno);
  }
  queueIoend(errno: number): void {
    this.ioendQ.push(errno);
  }
  queueInline(errno: number): void {
    this.inlineQ.push(errno);
  }
  /** answers still queued for FUSE_IOMAP_BEGIN */
  pendingBegins(): number {
    return this.beginQ.length;
  }

  takeLog(): ServerLogEntry[] {
    const l = this.log;
    this.log = [];
    return l;
  }

  begin(req: BeginIn, nodeid: bigint): BeginOut | number {
    const a = this.beginQ.shift();
    if (!a) throw new ServerScriptEmpty('FUSE_IOMAP_BEGIN');
    const notified = a.notify.map((n) => ({ what: n.what, ret: n.send(nodeid) }));
    const reply = typeof a.reply === 'function' ? a.reply(req) : a.reply;
    this.log.push({ op: 'begin', nodeid, notified, ret: typeof reply === 'number' ? reply : 0 });
    return typeof reply === 'number' ? reply : { read: { ...reply.read }, write: { ...reply.write } };
  }

  end(_req: EndIn, nodeid: bigint): number {
    const ret = this.endQ.shift() ?? this.endDefault;
    this.log.push({ op: 'end', nodeid, notified: [], ret });
    return ret;
  }

  ioend(_req: IoendIn, nodeid: bigint): number {
    const ret = this.ioendQ.shift() ?? this.ioendDefault;
    this.log.push({ op: 'ioend', nodeid, notified: [], ret });
    return ret;
  }

  inlineIo(write: boolean, _pos: bigint, _count: bigint, nodeid: bigint): number {
    const ret = this.inlineQ.shift() ?? 0;
    this.log.push({ op: write ? 'inline-write' : 'inline-read', nodeid, notified: [], ret });
    return ret;
  }
}

/** The kernel asked something the script has no answer for. */
export class ServerScriptEmpty extends Error {
  constructor(readonly opcode: string) {
    super(`the server got ${opcode} but its script has no answer left (add a 'server reply|null|error' line before)`);
    this.name = 'ServerScriptEmpty';
  }
}
