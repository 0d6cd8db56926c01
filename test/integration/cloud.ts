import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';

/** State directory of the local cloud (scripts/local-cloud.sh), as the script computes it. */
export const CLOUD_DIR = process.env['IMG_CLOUD_DIR'] || path.join(REPO_ROOT, '.cloud');

/** OS_* variables of an openrc file written by scripts/local-cloud.sh (`export K=V` lines). */
export function openrc(user: 'admin' | 'demo'): Record<string, string> {
  const text = readFileSync(path.join(CLOUD_DIR, `${user}-openrc`), 'utf8');
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*export\s+([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let v = (m[2] ?? '').trim();
    if ((v.startsWith("'") && v.endsWith("'")) || (v.startsWith('"') && v.endsWith('"'))) v = v.slice(1, -1);
    env[m[1] as string] = v;
  }
  return env;
}

/** Runs the reference client (/usr/bin/openstack) with an openrc's variables; returns stdout. */
export function openstack(args: string[], env: Record<string, string>): string {
  return execFileSync('/usr/bin/openstack', args, {
    env: { PATH: '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/root', ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** A name no other test run uses, so tests can filter to their own images. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}
