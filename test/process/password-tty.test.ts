// The password prompt on a real terminal: bin/img on a pseudo-terminal (script(1)) against the
// fake cloud, typing the password or Ctrl-C. Needs a process: raw mode and echo are the tty's.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { withTempDir } from '../helpers/files.js';
import { ADMIN_PASSWORD_AUTH, authBody, tokenPosts } from '../helpers/requests.js';
import { during } from '../helpers/run-against-fake.js';
import { FakeCloud } from '../helpers/fake-cloud.js';
import { installIdentityExtras } from '../helpers/fake-idp.js';
import { totp } from '../helpers/totp.js';
import { IMG_BIN } from '../helpers/paths.js';
import type { ImgResult } from '../helpers/run-img.js';

/** script(1), to run img on a pseudo-terminal. */
// Not skipped when missing: bsdutils is essential on Debian, so a missing script(1) is a broken machine.
const SCRIPT = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));

describe('openrc password auth on a terminal', () => {
  let cloud: FakeCloud;
  before(async () => {
    cloud = await FakeCloud.start({ regions: ['RegionOne', 'RegionTwo'] });
    cloud.addImage({ name: 'cirros', visibility: 'public' }, Buffer.from('cirros bytes'));
  });
  after(async () => {
    assert.deepEqual(cloud.errors, []);
    await cloud.close();
  });

  test('no OS_PASSWORD on a terminal: a Password: prompt without echo; Ctrl-C there exits 130', async () => {
    assert.ok(SCRIPT, 'script(1) (Debian\'s bsdutils, an essential package) runs img on a pseudo-terminal');
    await withTempDir('img-auth-env-', async (home) => {
      const env: Record<string, string> = {
        ...cloud.env('admin'), PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, TERM: 'dumb', IMG_NO_TOKEN_CACHE: '1',
      };
      delete env['OS_PASSWORD'];
      const typed = await during(cloud, async () => onTerminal(['list', '-f', 'value', '-c', 'Name'], env, 'secret\r'));
      assert.equal(typed.r.code, 0, typed.r.stdout);
      assert.equal(typed.r.stdout, 'Password: \r\ncirros\r\n', 'the password is not echoed');
      assert.deepEqual(authBody(tokenPosts(typed.reqs)[0]), ADMIN_PASSWORD_AUTH);
      const cancelled = await during(cloud, async () => onTerminal(['list'], env, '\u0003'));
      assert.equal(cancelled.r.code, 130);
      assert.equal(cancelled.r.stdout, 'Password: \r\nimg: Interrupted at the password prompt\r\n');
      assert.equal(cancelled.reqs.length, 0);
    });
  });

  test('v3totp without OS_PASSCODE on a terminal: a Passcode: prompt without echo', async () => {
    assert.ok(SCRIPT, 'script(1) (Debian\'s bsdutils, an essential package) runs img on a pseudo-terminal');
    const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    const remove = installIdentityExtras(cloud, { totp: { demo: secret } });
    try {
      await withTempDir('img-auth-env-', async (home) => {
        const env: Record<string, string> = {
          ...cloud.env('demo'), OS_AUTH_TYPE: 'v3totp', PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, TERM: 'dumb', IMG_NO_TOKEN_CACHE: '1',
        };
        delete env['OS_PASSWORD'];
        const passcode = totp(secret);
        const typed = await during(cloud, async () => onTerminal(['token', 'issue', '-f', 'value', '-c', 'user_id'], env, `${passcode}\r`, 'Passcode: '));
        assert.equal(typed.r.code, 0, typed.r.stdout);
        assert.equal(typed.r.stdout, `Passcode: \r\n${cloud.keystone.users.find((u) => u.name === 'demo')!.id}\r\n`, 'the passcode is not echoed');
        const body = authBody(tokenPosts(typed.reqs)[0]) as { auth: { identity: { totp: { user: { passcode: string } } } } };
        assert.equal(body.auth.identity.totp.user.passcode, passcode);
      });
    } finally {
      remove();
    }
  });
});

/** Runs img on a pty (stdin, stdout and stderr all the terminal), types `keys` once it shows `prompt`. */
async function onTerminal(args: string[], env: Record<string, string>, keys: string, prompt = 'Password: '): Promise<ImgResult> {
  const command = [process.execPath, IMG_BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const child = spawn(SCRIPT!, ['-qec', command, '/dev/null'], { cwd: env['HOME'], env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  for (let i = 0; i < 200 && !out.includes(prompt); i++) await new Promise((r) => setTimeout(r, 25));
  child.stdin.write(keys);
  const code = await Promise.race([closed, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000))]);
  if (code === 'timeout') {
    child.kill('SIGKILL');
    assert.fail(`img on a terminal did not finish:\n${out}`);
  }
  return { code, signal: null, stdout: out, stderr: '', stdoutBytes: Buffer.from(out) };
}
