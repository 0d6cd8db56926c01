// Runs the real bin/img as a child process with a controlled environment.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { IMG_BIN } from './paths.js';

export interface ImgResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

export interface RunImgOptions {
  /** Variables added to the child's environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Written to the child's stdin, which is then closed. Without it stdin is an empty, closed pipe. */
  input?: string | Buffer;
  /** Working directory. Default: the temporary HOME, so no project-level config is found by walking up from cwd. */
  cwd?: string;
  /** Kill the child and reject after this long. Default 30000. */
  timeoutMs?: number;
  /** Start from the parent's full environment (including OS_*) instead of a clean one. Default false. */
  inheritEnv?: boolean;
  /** Run bin/img as an executable, through its #! line, as a shell would (default: `node bin/img`). */
  direct?: boolean;
  /** Stdin instead of `input`: a descriptor the child inherits (`< file`), or `'open'`, a pipe that never ends. */
  stdin?: number | 'open';
}

/**
 * The environment of one run as {@link runImg} describes it, and the temporary HOME made for it
 * (undefined when `opts` gives HOME or inherits the environment); the caller removes it.
 */
export async function runEnv(opts: RunImgOptions): Promise<{ env: Record<string, string>; tempHome: string | undefined }> {
  const givenHome = opts.env?.HOME;
  const tempHome = givenHome === undefined && !opts.inheritEnv ? await mkdtemp(path.join(tmpdir(), 'img-test-home-')) : undefined;
  const env: Record<string, string> = {};
  if (opts.inheritEnv) {
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  } else {
    const home = givenHome ?? tempHome!;
    env.PATH = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';
    env.HOME = home;
    env.XDG_CONFIG_HOME = path.join(home, '.config');
    env.XDG_CACHE_HOME = path.join(home, '.cache');
  }
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return { env, tempHome };
}

/**
 * Run `node bin/img ...args` (or `bin/img ...args`, with `opts.direct`).
 *
 * By default the child sees a CLEAN environment: PATH, HOME (a fresh temporary directory per
 * call, removed afterwards, unless `opts.env.HOME` is given), XDG_CONFIG_HOME=$HOME/.config,
 * XDG_CACHE_HOME=$HOME/.cache, then `opts.env`. Nothing else from the parent, in particular no OS_*.
 * Resolves when the child exits (whatever the exit code); rejects on spawn failure or timeout.
 */
export async function runImg(args: string[], opts: RunImgOptions = {}): Promise<ImgResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const { env, tempHome } = await runEnv(opts);
  try {
    return await new Promise<ImgResult>((resolve, reject) => {
      const [command, argv] = opts.direct ? [IMG_BIN, args] : [process.execPath, [IMG_BIN, ...args]];
      const child = spawn(command, argv, {
        cwd: opts.cwd ?? env.HOME ?? process.cwd(),
        env,
        stdio: [typeof opts.stdin === 'number' ? opts.stdin : 'pipe', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout?.on('data', (c: Buffer) => out.push(c));
      child.stderr?.on('data', (c: Buffer) => err.push(c));
      // The child may exit without reading stdin; EPIPE then is expected.
      child.stdin?.on('error', () => undefined);
      if (opts.stdin === undefined) child.stdin?.end(opts.input ?? '');
      // A pipe that never ends: closed only once the child is gone.
      if (opts.stdin === 'open') child.on('exit', () => child.stdin?.destroy());

      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);

      child.on('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`runImg: could not start ${IMG_BIN}: ${e.message}`));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const stdoutBytes = Buffer.concat(out);
        const stdout = stdoutBytes.toString('utf8');
        const stderr = Buffer.concat(err).toString('utf8');
        if (timedOut) {
          reject(new Error(
            `runImg: \`img ${args.join(' ')}\` did not finish within ${timeoutMs} ms and was killed\n` +
            `--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`,
          ));
          return;
        }
        resolve({ code, signal, stdout, stderr, stdoutBytes });
      });
    });
  } finally {
    if (tempHome) await rm(tempHome, { recursive: true, force: true });
  }
}
