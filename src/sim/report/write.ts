// SPDX-License-Identifier: GPL-2.0-only
/* Writes report.json and report.html into a directory. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReportData } from './data.js';
import { reportHtml } from './html.js';

export async function writeReport(dir: string, data: ReportData): Promise<{ json: string; html: string }> {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'report.json');
  const html = join(dir, 'report.html');
  writeFileSync(json, JSON.stringify(data, null, 2) + '\n');
  writeFileSync(html, await reportHtml(data));
  return { json, html };
}
