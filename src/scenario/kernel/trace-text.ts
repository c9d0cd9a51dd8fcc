// SPDX-License-Identifier: GPL-2.0-only
/*
 * TP_printk text of the iomap-consumer and notification tracepoints,
 * printed from the event's fields through the fuse_trace.h schema of the
 * event (src/trace/schema): the format string and its argument list decide
 * every conversion, so the text is the schema's by construction.
 */
import type { ProtocolEvent } from '../../protocol/events.js';
import type { IomapEvent } from '../../iomap/events.js';
import { printFlags, printSymbolic } from '../../trace/print-flags.js';
import type { FuseTraceFormat } from '../../trace/revision.js';
import { schemaFor } from '../../trace/schema/registry.js';

const CONVERSION = /%(%|pS|p|(?:ll|l|z|h|hh)?[udx]|s)/g;

type Value = bigint | number;

/** vsprintf of one conversion on a C value (signedness from the conversion). */
function render(conv: string, v: Value): string {
  const b = typeof v === 'bigint' ? v : BigInt(v);
  switch (conv) {
    case 'u':
      return BigInt.asUintN(32, b).toString();
    case 'd':
      return BigInt.asIntN(32, b).toString();
    case 'x':
      return BigInt.asUintN(32, b).toString(16);
    case 'llu':
    case 'lu':
    case 'zu':
      return BigInt.asUintN(64, b).toString();
    case 'lld':
    case 'ld':
    case 'zd':
      return BigInt.asIntN(64, b).toString();
    case 'llx':
    case 'lx':
    case 'zx':
      return BigInt.asUintN(64, b).toString(16);
    default:
      throw new Error(`no rendering for %${conv}`);
  }
}

/**
 * The body of an event from its fields; connection/ino/nodeid/isize come
 * from the inode part. Returns null when the revision's texts have no such
 * event.
 */
export function formatFields(name: string, inode: { connection: number; ino: bigint; nodeid: bigint }, isize: bigint, fields: Record<string, Value>, format: FuseTraceFormat = 'rfc-v3'): string | null {
  const schema = schemaFor(name, format);
  if (!schema || schema.dialect !== 'fuse') return null;
  const all: Record<string, Value> = { connection: inode.connection, ino: inode.ino, nodeid: inode.nodeid, isize, ...fields };
  let i = 0;
  let missing = false;
  const text = schema.format.replace(CONVERSION, (_m, conv: string) => {
    if (conv === '%') return '%';
    const spec = schema.fields[i++];
    const v = all[spec.field];
    // v7 texts of an event may name fields the model fills only for rfc-v3
    if (v === undefined) {
      if (format === 'rfc-v3') throw new Error(`${name}: no value for field ${spec.field}`);
      missing = true;
      return '';
    }
    const d = spec.decode;
    if (d.kind === 'flags') return printFlags(Number(v), d.table);
    if (d.kind === 'symbolic') return printSymbolic(Number(v), d.table);
    return render(conv, v);
  });
  return missing ? null : text;
}

export function formatIomapEvent(ev: IomapEvent, format: FuseTraceFormat = 'rfc-v3'): string | null {
  return formatFields(ev.name, ev.inode, ev.isize, ev.fields, format);
}

/** The notification layer's events (fuse_iomap_upsert, _inval, _cache_enable and v7's). */
export function formatProtocolEvent(ev: ProtocolEvent, format: FuseTraceFormat = 'rfc-v3'): string | null {
  switch (ev.name) {
    case 'fuse_iomap_upsert':
    case 'fuse_iomap_upsert_mappings': {
      const o = ev.out;
      return formatFields(ev.name, ev.inode, ev.isize, {
        attr_ino: o.attrIno,
        read_offset: o.read.offset,
        read_length: o.read.length,
        read_addr: o.read.addr,
        read_maptype: o.read.type,
        read_mapflags: o.read.flags,
        read_dev: o.read.dev,
        write_offset: o.write.offset,
        write_length: o.write.length,
        write_addr: o.write.addr,
        write_maptype: o.write.type,
        write_mapflags: o.write.flags,
        write_dev: o.write.dev,
      }, format);
    }
    case 'fuse_iomap_inval':
    case 'fuse_iomap_inval_mappings': {
      const o = ev.out;
      return formatFields(ev.name, ev.inode, ev.isize, { attr_ino: o.attrIno, read_offset: o.read.offset, read_length: o.read.length, write_offset: o.write.offset, write_length: o.write.length }, format);
    }
    default:
      return formatFields(ev.name, ev.inode, ev.isize, { state: ev.state }, format);
  }
}
