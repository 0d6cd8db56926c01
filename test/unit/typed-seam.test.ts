// The commander → command seam is typed: an option renamed in src/cli/program.ts without
// its command (or the runner) must fail `npm run typecheck`, not reach the command as a
// silent `undefined`. The `@ts-expect-error` lines below are the proof: tsc compiles test/
// too, and fails on a `@ts-expect-error` line that has no error. The tests at run time check
// that what the real program hands over is what the types say.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from '@commander-js/extra-typings';
import { buildProgram, declared, type RunOptions, type RunnableCommand } from '../../src/cli/program.js';
import type { SaveOptions } from '../../src/commands/save.js';

/** The options the real program hands the runner for `argv`. */
async function parsed(argv: string[]): Promise<RunOptions> {
  let seen: RunnableCommand | undefined;
  const program = buildProgram('0.0.0', async (cmd) => {
    seen = cmd;
  });
  await program.parseAsync(argv, { from: 'user' });
  assert.ok(seen, `no command ran for ${argv.join(' ')}`);
  return seen.optsWithGlobals();
}

test('a command gets its declared options unchanged', () => {
  const save = new Command('save').option('--file <path>').option('--resume').option('--allow-md5-fallback');
  save.parse(['--file', 'disk.raw', '--resume'], { from: 'user' });
  const opts: SaveOptions = declared(save.opts());
  assert.deepEqual(opts, { file: 'disk.raw', resume: true });
});

test('an option a command reads but that is not declared does not compile', () => {
  // As if --file had been renamed --output in program.ts without changing saveImage.
  const renamed = new Command('save').option('--output <path>').option('--resume').option('--allow-md5-fallback');
  // @ts-expect-error: saveImage reads `file`, which this command does not declare.
  const opts: SaveOptions = declared(renamed.opts());
  assert.equal(opts.file, undefined);

  // As if --file had become repeatable: saveImage takes one path, not a list.
  const retyped = new Command('save')
    .option('--file <path>', 'file', (v: string, prev: string[] = []) => [...prev, v])
    .option('--resume')
    .option('--allow-md5-fallback');
  // @ts-expect-error: `file` is a string[] here, saveImage takes a string.
  const wrongType: SaveOptions = declared(retyped.opts());
  assert.equal(wrongType.file, undefined);
});

test('the runner reads only options the program declares', () => {
  const read = (o: RunOptions) => [o.timeout, o.format, o.sortColumn, o.prefix, o.osCloud, o.file];
  assert.equal(read({ tokenCache: true }).length, 6);
  // @ts-expect-error: no --idle-timeout in program.ts, so the runner cannot read it.
  const undeclared = (o: RunOptions) => o.idleTimeout;
  assert.equal(undeclared({ tokenCache: true }), undefined);
});

test('the real program hands the runner global, --os-*, output and command options', async () => {
  const o = await parsed(['--timeout', '5', '--os-cloud', 'c', 'image', 'create', 'n', '--file', '-', '-f', 'json', '--prefix', 'p_']);
  assert.equal(o.timeout, '5');
  assert.equal(o.osCloud, 'c');
  assert.equal(o.file, '-');
  assert.equal(o.format, 'json');
  assert.equal(o.prefix, 'p_');
  assert.equal(o.tokenCache, true);

  const l = await parsed(['list', '--sort-column', 'Name', '--sort-descending', '--quote', 'all', '--no-token-cache']);
  assert.deepEqual(l.sortColumn, ['Name']);
  assert.equal(l.sortDescending, true);
  assert.equal(l.quote, 'all');
  assert.equal(l.tokenCache, false);
});
