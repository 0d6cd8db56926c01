// Runs img in this process: runCli (src/cli/run-cli.ts) with in-memory streams, the same options
// and result as runImg (./run-img.ts) but without starting a process for each run.
import { rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { PassThrough, Writable } from 'node:stream';
import { runCli } from '../../src/cli/run-cli.js';
import { runEnv, type ImgResult, type RunImgOptions } from './run-img.js';

/** A stream that keeps everything written to it. */
function sink(): { stream: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, encoding, done) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, encoding));
      done();
    },
  });
  return { stream, bytes: () => Buffer.concat(chunks) };
}

/**
 * Runs `img ...args` as {@link runImg} does, but in this process: the same
 * clean environment (a fresh temporary HOME with XDG_CONFIG_HOME and
 * XDG_CACHE_HOME under it, removed afterwards; then `opts.env`), the same
 * working directory (default: that HOME), stdin holding `opts.input` (else
 * empty) and ended, stdout and stderr not terminals. The environment reaches
 * img only through runCli's io: process.env is neither read nor changed, so
 * runs do not see each other's variables. Resolves with the exit code
 * runCli returns (`signal` is always null); rejects after `opts.timeoutMs`
 * (default 30000). `opts.direct` (bin/img's #! line) needs a process: use runImg.
 *
 * One difference remains: a relative path in a command's options (`--file
 * disk.img`) is opened relative to this process's working directory, not
 * `opts.cwd`, because create/save/upload open files themselves. Pass
 * absolute paths, or use runImg.
 */
export async function runCliInProcess(args: string[], opts: RunImgOptions = {}): Promise<ImgResult> {
  if (opts.direct) throw new Error('runCliInProcess: `direct` runs bin/img through its #! line; use runImg');
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const { env, tempHome } = await runEnv(opts);
  const stdin = new PassThrough();
  stdin.end(opts.input ?? '');
  const out = sink();
  const err = sink();
  const io = {
    stdin,
    stdout: out.stream,
    stderr: err.stream,
    env,
    cwd: opts.cwd ?? env.HOME ?? process.cwd(),
    homeDir: env.HOME || homedir(),
  };
  let timer: NodeJS.Timeout | undefined;
  const controller = new AbortController();
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort(new Error('runCliInProcess: timed out'));
      const stdout = out.bytes().toString('utf8');
      const stderr = err.bytes().toString('utf8');
      reject(new Error(
        `runCliInProcess: \`img ${args.join(' ')}\` did not finish within ${timeoutMs} ms\n` +
        `--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`,
      ));
    }, timeoutMs);
  });
  try {
    const code = await Promise.race([runCli(args, io, controller.signal), timeout]);
    const stdoutBytes = out.bytes();
    return { code, signal: null, stdout: stdoutBytes.toString('utf8'), stderr: err.bytes().toString('utf8'), stdoutBytes };
  } finally {
    clearTimeout(timer);
    if (tempHome) await rm(tempHome, { recursive: true, force: true });
  }
}
