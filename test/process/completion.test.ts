// The completion scripts in real shells: bash (`source <(img completion bash)`, `complete -p`, the
// completion function called with COMP_WORDS/COMP_CWORD as bash sets them), zsh (Debian's package:
// `zsh -n`, loaded after compinit, and the same function through bashcompinit) and fish (`fish -n`,
// `complete -C`). Image names come from the fake cloud through the real bin/img.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { FakeCloud } from '../helpers/fake-cloud.js';
import { TempDirs } from '../helpers/files.js';
import { IMG_BIN } from '../helpers/paths.js';

interface ShellRun {
  code: number;
  stdout: string;
  stderr: string;
}

function shell(bin: string, args: string[], env: Record<string, string>): Promise<ShellRun> {
  return new Promise((resolve) => {
    execFile(bin, args, { env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** Shell lines that call the completion function `_img` for the words given and print COMPREPLY on one line. */
const CALL = (img: string, cases: string[][]) => cases.map((words) =>
  `COMP_WORDS=(${[img, ...words].map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length}; COMPREPLY=(); _img; echo "\${COMPREPLY[*]}"`).join('\n');

const CASES = [['sh'], ['list', '-f', ''], ['image', 'li'], ['create', 'x', '--disk-format', 'q'], ['show', ''], ['image', 'show', 'ci'],
  ['completion', '']];
const EXPECTED = ['show', 'table json yaml value csv', 'list', 'qcow2', 'cirros cirros-2 debian', 'cirros cirros-2', 'bash zsh fish'];

describe('completion in real shells', () => {
  let cloud: FakeCloud;
  const temp = new TempDirs();
  let env: Record<string, string>;
  before(async () => {
    cloud = await FakeCloud.start();
    for (const name of ['cirros', 'cirros-2', 'debian', 'with space', '$(echo pwned)']) cloud.addImage({ name, visibility: 'public' });
    const home = await temp.make('img-completion-home-');
    env = {
      ...cloud.env('admin'),
      HOME: home,
      XDG_CACHE_HOME: path.join(home, '.cache'),
      XDG_CONFIG_HOME: path.join(home, '.config'),
      PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`,
    };
  });
  after(async () => {
    assert.deepEqual(cloud.errors, []);
    await cloud.close();
    await temp.removeAll();
  });

  test('bash: complete -p img, then commands, option values and image names from the cloud', async () => {
    const script = `source <('${IMG_BIN}' completion bash) || exit 9\ncomplete -p img\n${CALL(IMG_BIN, CASES)}`;
    const r = await shell('/bin/bash', ['-c', script], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.deepEqual(r.stdout.split('\n').slice(0, -1), ['complete -F _img img', ...EXPECTED]);
  });

  test('zsh: the script parses (zsh -n), loads after compinit, and completes as in bash', async () => {
    const dir = await temp.make('img-completion-zsh-');
    const file = path.join(dir, 'img.zsh');
    const gen = await shell(IMG_BIN, ['completion', 'zsh'], env);
    assert.equal(gen.code, 0, gen.stderr);
    await import('node:fs/promises').then((fs) => fs.writeFile(file, gen.stdout));
    const syntax = await shell('zsh', ['-n', file], env);
    assert.deepEqual([syntax.code, syntax.stderr], [0, '']);
    const load = await shell('zsh', ['-c', `autoload -U compinit; compinit -u; source <('${IMG_BIN}' completion zsh)`], env);
    assert.deepEqual([load.code, load.stderr], [0, '']);
    const zsh = await shell('zsh', ['-c', `autoload -U compinit; compinit -u; source '${file}'\n${CALL(IMG_BIN, CASES)}`], env);
    assert.equal(zsh.code, 0, zsh.stderr);
    assert.deepEqual(zsh.stdout.split('\n').slice(0, -1), EXPECTED);
  });

  test('fish: the script parses (fish -n) and `complete -C` offers commands, values and image names', async () => {
    const dir = await temp.make('img-completion-fish-');
    const file = path.join(dir, 'img.fish');
    const gen = await shell(IMG_BIN, ['completion', 'fish'], env);
    assert.equal(gen.code, 0, gen.stderr);
    await import('node:fs/promises').then((fs) => fs.writeFile(file, gen.stdout));
    const syntax = await shell('fish', ['-n', file], env);
    assert.deepEqual([syntax.code, syntax.stderr], [0, '']);
    // fish runs `img` by name: a function standing in for it, running bin/img.
    const r = await shell('fish', ['--no-config', '-c', `function img; '${IMG_BIN}' $argv; end; source '${file}'
complete -C 'img sh'; echo ==; complete -C 'img list -f '; echo ==; complete -C 'img image show ci'`], env);
    assert.equal(r.code, 0, r.stderr);
    const [sh, formats, names] = r.stdout.split('==\n').map((part) => part.split('\n').filter(Boolean).map((l) => l.split('\t')[0]));
    assert.deepEqual(sh, ['show']);
    assert.deepEqual(formats, ['csv', 'json', 'table', 'value', 'yaml']);
    assert.deepEqual(names, ['cirros', 'cirros-2']);
  });
});
