// What img's output must look like: exit code and stderr checks, UUID and request-id patterns, the cliff golden cases.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES } from './paths.js';
import type { ImgResult } from './run-img.js';

/** A lowercase UUID as regular-expression source, unanchored (to build larger patterns from). */
export const UUID_PATTERN = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** Exactly one lowercase UUID, nothing around it. */
export const UUID = new RegExp(`^${UUID_PATTERN}$`);

/** The ` (Request-ID: req-<uuid>)` part img adds to a server's error message (matched anywhere in a line). */
export const REQUEST_ID = new RegExp(`\\(Request-ID: req-${UUID_PATTERN}\\)`);

/** Asserts img exited 0 with nothing on stderr (the message shows both streams otherwise). */
export function assertOk(r: ImgResult): void {
  assert.equal(r.code, 0, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  assert.equal(r.stderr, '');
}

/** The stderr lines of a run, each asserted to start with `img: `, returned without that prefix. */
export function lines(r: ImgResult): string[] {
  const out = r.stderr.split('\n').filter(Boolean);
  for (const l of out) assert.match(l, /^img: /, `stderr:\n${r.stderr}`);
  return out.map((l) => l.slice('img: '.length));
}

/** Asserts stderr holds exactly one non-empty line, starting `img: `; returns it without that prefix. */
export function oneLine(r: ImgResult): string {
  const out = lines(r);
  assert.equal(out.length, 1, `expected one stderr line, got:\n${r.stderr}`);
  return out[0]!;
}

/** A run's exit code, stdout and stderr, for assertion messages. */
export function describeRun(r: ImgResult): string {
  return `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}

/**
 * img's deliberate differences from cliff (fixtures/output-img/deliberate-differences.json): img's
 * exact output for a golden case, keyed `<file> <kind> <name>` (names repeat across kinds).
 */
export function deliberateDifferences(): Map<string, string> {
  const text = readFileSync(path.join(FIXTURES, 'output-img', 'deliberate-differences.json'), 'utf8');
  return new Map(Object.entries((JSON.parse(text) as { cases: Record<string, string> }).cases));
}

/**
 * What img prints for case `name` of the cliff golden file fixtures/output/`file`: cliff's output,
 * or img's deliberate difference from it (escaped controls, single-quoted shell values) where
 * there is one. Fails the test if there is no such case.
 */
export function golden(file: string, name: string): string {
  const text = readFileSync(path.join(FIXTURES, 'output', file), 'utf8');
  const cases = (JSON.parse(text) as { cases: { name: string; kind: string; expected: string }[] }).cases;
  const c = cases.find((x) => x.name === name);
  assert.ok(c, `golden ${file}:${name}`);
  return deliberateDifferences().get(`${file} ${c.kind} ${name}`) ?? c.expected;
}
