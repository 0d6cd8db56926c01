// buildProgram with the command line's words declares only the commands named
// there (a start declares one command, not all of them), and everything when
// help or commander's error messages need it; the output of img itself is
// checked unchanged by the tests that run it (run-cli, completion, process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { buildProgram, type Runner } from '../../src/cli/program.js';

const never: Runner = () => Promise.reject(new Error('not run'));
const names = (cmd: CommandUnknownOpts | undefined) => (cmd?.commands ?? []).map((c) => c.name());
const build = (words: string[]) => buildProgram('0.0.0', never, { imageGroup: words.includes('image'), words });
const everything = names(buildProgram('0.0.0', never, { imageGroup: true }));

test('a command line naming a command declares that command only', () => {
  assert.deepEqual(names(build(['list', '-f', 'value'])), ['list']);
  assert.deepEqual(names(build(['token', 'issue'])), ['token']);
});

test('a word that is an option value and a command name declares one command more, and the right one still runs', () => {
  assert.deepEqual(names(build(['--os-project-name', 'list', 'show', 'x'])), ['list', 'show']);
});

test('`img image list` declares list under `image` (and at the top, where the word also is)', () => {
  const program = build(['image', 'list']);
  assert.deepEqual(names(program), ['list', 'image']);
  assert.deepEqual(names(program.commands.find((c) => c.name() === 'image')), ['list']);
});

test('--help, no command, or an unknown one declare everything (help and "did you mean" need them)', () => {
  assert.ok(everything.length > 15);
  for (const words of [['--help'], [], ['lst'], ['--version', '--help']]) assert.deepEqual(names(build(words)), everything, words.join(' '));
  const image = build(['image', '--help']).commands.find((c) => c.name() === 'image');
  assert.ok(names(image).includes('create') && names(image).includes('list'));
});

test('--version alone declares no command', () => {
  assert.deepEqual(names(build(['--version'])), []);
});
