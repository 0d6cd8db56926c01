// Shell completion against the real local cloud: bash completes `img show <TAB>` and
// `img --os-region-name RegionTwo show <TAB>` with the names each region's Glance holds (through
// bin/img's `__complete`), and a second TAB is answered from the private cache.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { IMG_BIN } from '../helpers/paths.js';
import { creds, describeRun, img, openstackRun, uniqueName } from './cloud.js';
import { TempDirs } from '../helpers/files.js';

const PREFIX = uniqueName('img-it-tab');

function bash(script: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('/bin/bash', ['-c', script], { env, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? -1) : 0, stdout, stderr }));
  });
}

describe('completion on the real cloud', () => {
  const temp = new TempDirs();
  let env: Record<string, string>;
  let home: string;
  before(async () => {
    home = await temp.make('img-it-tab-');
    env = { ...creds('admin'), HOME: home, XDG_CACHE_HOME: path.join(home, '.cache'), PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin` };
    for (const [name, region] of [[`${PREFIX}-one`, 'RegionOne'], [`${PREFIX}-two`, 'RegionTwo']] as const) {
      const r = await img('admin', ['create', name, '--private'], { env: { OS_REGION_NAME: region } });
      assert.equal(r.code, 0, describeRun(r));
    }
  });
  after(async () => {
    await openstackRun('admin', ['image', 'delete', `${PREFIX}-one`]);
    await openstackRun('admin', ['--os-region-name', 'RegionTwo', 'image', 'delete', `${PREFIX}-two`]);
    await temp.removeAll();
  });

  test('img show <TAB> offers each region\'s image names within a moment; a cold cache is filled in the background', async () => {
    /** One TAB in a fresh bash: its COMPREPLY, and how long it took. */
    const tab = async (words: string[]) => {
      const line = `COMP_WORDS=('${IMG_BIN}' ${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length}; COMPREPLY=(); _img; echo "\${COMPREPLY[*]}"`;
      const t0 = Date.now();
      const r = await bash(`source <('${IMG_BIN}' completion bash)\n${line}`, env);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      return { reply: r.stdout.trim(), ms: Date.now() - t0 };
    };
    /** TABs until names come (the first ones may find the caches cold), each bounded. */
    const until = async (words: string[]) => {
      for (let i = 0; ; i++) {
        const { reply, ms } = await tab(words);
        // bash, the script's generation and img's own start included: the TAB's wait on the cloud is at most 1 s.
        assert.ok(ms < 4000, `a TAB took ${ms} ms`);
        if (reply || i >= 20) return reply;
        await new Promise((r) => setTimeout(r, 1000));
      }
    };
    assert.equal(await until(['show', PREFIX]), `${PREFIX}-one`);
    assert.equal(await until(['--os-region-name', 'RegionTwo', 'image', 'show', PREFIX]), `${PREFIX}-two`);
    // One private cache file per region's Glance.
    assert.equal(readdirSync(path.join(home, '.cache', 'img', 'complete')).length, 2);
    assert.equal((await tab(['show', PREFIX])).reply, `${PREFIX}-one`, 'from the cache now');
  });
});
