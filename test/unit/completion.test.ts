// Shell completion: the scripts hold every command and option of the program (they are generated
// from it), option values come from the lists img validates, `img __complete images` answers from
// the fake cloud or its private cache within its time bound, prints only shell-safe names, and
// never a line on stderr; the cache file follows the token cache's file rules.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildProgram } from '../../src/cli/program.js';
import { completionSpec } from '../../src/cli/completion/spec.js';
import { CONTAINER_FORMATS, DISK_FORMATS, MEMBER_STATUSES } from '../../src/commands/parse.js';
import { AUTH_TYPES } from '../../src/config/index.js';
import { LIST_FORMATS, SHOW_FORMATS } from '../../src/output/formats.js';
import { NAME_CACHE_TTL_MS, NameCache } from '../../src/services/name-cache.js';
import { isShellWord } from '../../src/util/safe-text.js';
import { FakeCloud } from '../helpers/fake-cloud.js';
import { FakeImport } from '../helpers/fake-import.js';
import { TempDirs } from '../helpers/files.js';
import { during } from '../helpers/run-against-fake.js';
import { runCliInProcess } from '../helpers/run-cli.js';

const never = () => Promise.reject(new Error('not run'));
const specs = completionSpec(buildProgram('0', never, { imageGroup: true }));

describe('completion scripts', () => {
  const scripts = new Map<string, string>();
  before(async () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = await runCliInProcess(['completion', shell]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      scripts.set(shell, r.stdout);
    }
  });

  test('the spec walks img and img image alike: every command both ways, hidden ones never', () => {
    const paths = specs.map((s) => s.path.join(' '));
    for (const cmd of ['create', 'list', 'show', 'delete', 'set', 'unset', 'save', 'upload', 'copy', 'deactivate', 'reactivate']) {
      assert.ok(paths.includes(cmd), cmd);
      assert.ok(paths.includes(`image ${cmd}`), `image ${cmd}`);
    }
    assert.ok(paths.includes('token issue') && paths.includes('completion'));
    assert.ok(!paths.some((p) => p.includes('__complete') || p.endsWith('help')));
  });

  test('each script names every command and every option of its command', () => {
    for (const [shell, text] of scripts) {
      for (const s of specs) {
        for (const sub of s.subcommands) assert.ok(text.includes(sub), `${shell}: ${sub}`);
        for (const o of s.options) {
          for (const n of o.names) {
            const spelled = shell === 'fish' ? (n.startsWith('--') ? `-l ${n.slice(2)}` : `-s ${n.slice(1)}`) : n;
            assert.ok(text.includes(spelled), `${shell}: ${s.path.join(' ')} ${n}`);
          }
        }
      }
    }
  });

  test('option values come from the lists img validates', () => {
    const bash = scripts.get('bash')!;
    assert.ok(bash.includes(`--disk-format) echo '${DISK_FORMATS.join(' ')}'`));
    assert.ok(bash.includes(`--container-format) echo '${CONTAINER_FORMATS.join(' ')}'`));
    assert.ok(bash.includes(`-f|--format) echo '${LIST_FORMATS.join(' ')}'`));
    assert.ok(bash.includes(`-f|--format) echo '${SHOW_FORMATS.join(' ')}'`));
    assert.ok(bash.includes("--quote) echo 'all minimal none nonnumeric'"), 'commander choices');
    assert.ok(bash.includes("--os-cloud) echo '@clouds'"));
    assert.ok(bash.includes("'image show') echo '@images'"));
    assert.ok(bash.includes("'completion') echo 'bash zsh fish'"));
    assert.ok(bash.includes("name:desc"), 'sort keys');
    assert.ok(bash.includes(`--member-status) echo '${MEMBER_STATUSES.join(' ')}'`));
    assert.ok(bash.includes(`--os-auth-type) echo '${[...AUTH_TYPES.keys()].join(' ')}'`), 'every auth type img takes');
    assert.ok(bash.includes("--store) echo '@stores'"), 'stores asked of img at TAB time');
    assert.match(scripts.get('fish')!, /-l disk-format -r -f -a 'ami ari aki/);
    assert.match(scripts.get('zsh')!, /^# img completion for zsh[^\n]*\nautoload -U \+X bashcompinit && bashcompinit\n/);
  });

  test('an unknown shell is a usage error naming the choices', async () => {
    const r = await runCliInProcess(['completion', 'tcsh']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^img: command-argument value 'tcsh' is invalid for argument 'shell'\. Allowed choices are bash, zsh, fish\.\n$/);
  });
});

describe('isShellWord', () => {
  test('ordinary names pass; anything the shell or a terminal would act on does not', () => {
    for (const ok of ['cirros-0.6.2', 'Ubuntu_22.04', 'a/b:c@d', 'débian', '日本語', 'x=1,y+2%']) assert.ok(isShellWord(ok), ok);
    for (const bad of ['', 'two words', 'tab\there', '$(rm -rf ~)', '`id`', 'a;b', "it's", 'a"b', 'x*', '{a,b}', '~root',
      '-rf', 'a|b', 'a&b', 'esc\x1b[2J', 'rtl\u202eevil', 'nl\nx', 'a\\b', 'a>b']) {
      assert.equal(isShellWord(bad), false, JSON.stringify(bad));
    }
  });
});

describe('img __complete images', () => {
  let cloud: FakeCloud;
  const temp = new TempDirs();
  let home: string;
  before(async () => {
    cloud = await FakeCloud.start();
    for (const name of ['cirros', 'cirros-old', 'ubuntu', 'bad name', '$(touch /tmp/pwned)', 'esc\x1b]0;x\x07']) cloud.addImage({ name, visibility: 'public' });
    home = await temp.make('img-complete-home-');
  });
  after(async () => {
    await cloud.close();
    await temp.removeAll();
  });

  const complete = (args: string[], env: Record<string, string> = {}) =>
    during(cloud, () => runCliInProcess(['__complete', ...args], {
      env: { ...cloud.env('admin'), HOME: home, XDG_CACHE_HOME: path.join(home, '.cache'), ...env },
    }));
  const cacheDir = () => path.join(home, '.cache', 'img', 'complete');

  test('names with the prefix, shell-safe ones only; then the same from the private cache, without Glance', async () => {
    const first = await complete(['images', 'c']);
    assert.equal(first.r.code, 0);
    assert.equal(first.r.stderr, '');
    assert.equal(first.r.stdout, 'cirros\ncirros-old\n');
    assert.ok(first.reqs.some((q) => q.service === 'image' && q.path.includes('/v2/images?limit=1000')));
    const all = await complete(['images']);
    assert.equal(all.r.stdout, 'cirros\ncirros-old\nubuntu\n');
    assert.deepEqual(all.reqs.filter((q) => q.service === 'image'), [], 'served from the cache');
    const dir = await stat(cacheDir());
    assert.equal(dir.mode & 0o777, 0o700);
    const [file] = await readdir(cacheDir());
    assert.match(file ?? '', /^[0-9a-f]{40}\.json$/);
    assert.equal((await stat(path.join(cacheDir(), file!))).mode & 0o777, 0o600);
  });

  test('refresh-images (what the scripts start in the background after an empty TAB) prints nothing and fills the cache', async () => {
    const cache = path.join(home, 'refresh-cache');
    const refresh = await complete(['refresh-images', ''], { XDG_CACHE_HOME: cache });
    assert.deepEqual([refresh.r.code, refresh.r.stdout, refresh.r.stderr], [0, '', '']);
    assert.ok(refresh.reqs.some((q) => q.service === 'image'));
    const tab = await complete(['images', 'u'], { XDG_CACHE_HOME: cache });
    assert.equal(tab.r.stdout, 'ubuntu\n');
    assert.deepEqual(tab.reqs.filter((q) => q.service === 'image'), [], 'served from the cache the refresh filled');
  });

  test('stores: the store IDs of a multi-store cloud, with the prefix; none where the cloud has a single store', async () => {
    const single = await complete(['stores', '']);
    assert.deepEqual([single.r.code, single.r.stdout, single.r.stderr], [0, '', '']);
    FakeImport.install(cloud);
    const all = await complete(['stores', '']);
    assert.deepEqual([all.r.code, all.r.stdout, all.r.stderr], [0, 'fast\nslow\n', '']);
    assert.ok(all.reqs.some((q) => q.service === 'image' && q.path.endsWith('/v2/info/stores')));
    const some = await complete(['stores', 's']);
    assert.equal(some.r.stdout, 'slow\n');
  });

  test('clouds: the names of clouds.yaml', async () => {
    const dir = await temp.make('img-complete-clouds-');
    await writeFile(path.join(dir, 'clouds.yaml'), 'clouds:\n  prod:\n    auth: {}\n  lab-2:\n    auth: {}\n');
    const { r } = await complete(['clouds', ''], { OS_CLIENT_CONFIG_FILE: path.join(dir, 'clouds.yaml') });
    assert.equal(r.stdout, 'prod\nlab-2\n');
    assert.equal(r.stderr, '');
  });

  test('any error (wrong password, no cloud at all): exit 0, nothing on stdout or stderr', async () => {
    const wrong = await complete(['images', ''], { OS_PASSWORD: 'wrong', XDG_CACHE_HOME: path.join(home, 'other-cache') });
    assert.deepEqual([wrong.r.code, wrong.r.stdout, wrong.r.stderr], [0, '', '']);
    const none = await runCliInProcess(['__complete', 'images', 'x']);
    assert.deepEqual([none.code, none.stdout, none.stderr], [0, '', '']);
  });

  test('a Glance that does not answer: nothing, after about a second', async () => {
    const off = cloud.inject((req) => req.method === 'GET' && (req.url ?? '').includes('/v2/images'));
    try {
      const t0 = Date.now();
      const { r } = await complete(['images', ''], { XDG_CACHE_HOME: path.join(home, 'stall-cache') });
      const took = Date.now() - t0;
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
      assert.ok(took < 2500, `took ${took} ms`);
    } finally {
      off();
    }
  });
});

describe('the name cache file', () => {
  const temp = new TempDirs();
  after(() => temp.removeAll());

  test('fresh names are read back; stale, future, corrupt, foreign-mode and symlinked files are not', async () => {
    const base = await temp.make('img-name-cache-');
    const cache = await NameCache.open(base, 'k');
    assert.ok(cache);
    const now = Date.now();
    await cache.save(['a', 'b'], now);
    assert.deepEqual(await cache.load(now + 1000), ['a', 'b']);
    assert.equal(await cache.load(now + NAME_CACHE_TTL_MS), undefined, 'stale');
    assert.equal(await cache.load(now - 5000), undefined, 'saved in the future');
    await chmod(cache.file, 0o644);
    assert.equal(await cache.load(now), undefined, 'readable by others');
    await writeFile(cache.file, '{"at":1', { mode: 0o600 });
    await chmod(cache.file, 0o600);
    assert.equal(await cache.load(now), undefined, 'corrupt');
    // A symlink planted under the name is neither followed on read nor written through.
    const target = path.join(base, 'elsewhere.json');
    await writeFile(target, JSON.stringify({ at: now, names: ['planted'] }), { mode: 0o600 });
    const linked = await NameCache.open(base, 'link');
    await symlink(target, linked!.file);
    assert.equal(await linked!.load(now), undefined);
    await linked!.save(['mine'], now);
    assert.deepEqual(await linked!.load(now), ['mine']);
    assert.match(await import('node:fs/promises').then((fs) => fs.readFile(target, 'utf8')), /planted/);
  });

  test('a cache directory open to others is not used at all', async () => {
    const base = await temp.make('img-name-cache-open-');
    await mkdir(path.join(base, 'img', 'complete'), { recursive: true });
    await chmod(path.join(base, 'img', 'complete'), 0o777);
    assert.equal(await NameCache.open(base, 'k'), undefined);
  });
});
