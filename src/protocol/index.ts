// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fuse iomap wire protocol and the kernel code around it: connection,
 * inodes, devices, begin-reply validation, notification codecs and
 * handlers. Entry points for the iomap layer, the scenario language and
 * the fuzzers.
 */
export * from './constants.js';
export * from './layout.js';
export * from './wire.js';
export * from './events.js';
export * from './hazards.js';
export * from './conn.js';
export * from './inode.js';
export * from './validate.js';
export * from './codec.js';
export * from './notify.js';
export * from './libfuse.js';
