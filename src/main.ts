/**
 * img's process shell, the only place that ends the process: turns
 * SIGINT/SIGTERM/SIGHUP into an abort of the run, hands runCli
 * (src/cli/run-cli.ts) the process's streams and environment, and exits with
 * the code it returns once stdout has drained, reporting a stdout closed by
 * its reader.
 *
 * process.stdout and process.stderr are created only when first used:
 * creating one loads Node's stream modules (and net or tty), ~5 ms that
 * `--version`, `--help` and a usage error never need otherwise
 * (bench/RESULTS.md). Until then, text goes straight to descriptor 1.
 */
import { fstatSync, writeSync } from 'node:fs';
import os from 'node:os';
import { runCli } from './cli/run-cli.js';
import { ExitCode, InterruptedError, messageOf } from './errors.js';
import { visible } from './util/safe-text.js';

const controller = new AbortController();
let signals = 0;
const onSignal = (name: NodeJS.Signals) => {
  signals++;
  // A second Ctrl-C means "now": skip the cleanup still under way.
  if (signals > 1) process.exit(ExitCode.INTERRUPTED);
  stderr().write(`\nimg: ${name} received, cleaning up…\n`);
  controller.abort(new InterruptedError(`Interrupted by ${name}`));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
// An ssh connection that drops sends SIGHUP: clean up (delete the image being created) as for Ctrl-C.
process.on('SIGHUP', onSignal);

/**
 * The first error writing stdout. Without the stream's listener Node would end img with a stack trace.
 * A command that writes stdout itself (save) reports its own failure; see {@link exitCodeAfter}.
 */
let stdoutError: NodeJS.ErrnoException | undefined;
let stdoutStream: NodeJS.WriteStream | undefined;
/** process.stdout, created (and its errors recorded) on first use. */
function stdout(): NodeJS.WriteStream {
  if (!stdoutStream) {
    stdoutStream = process.stdout;
    stdoutStream.on('error', (err: NodeJS.ErrnoException) => {
      stdoutError ??= err;
    });
  }
  return stdoutStream;
}

/**
 * Writes text to stdout: through the stream once it exists (so that order
 * is kept), else straight to descriptor 1, whole. A descriptor that would
 * block (a non-blocking pipe someone else set up) gets the rest through
 * the stream. After an error (EPIPE: the reader left) nothing more is written.
 */
function writeText(text: string): void {
  if (stdoutStream) {
    stdoutStream.write(text);
    return;
  }
  if (stdoutError) return;
  const bytes = Buffer.from(text, 'utf8');
  let done = 0;
  try {
    while (done < bytes.length) done += writeSync(1, bytes, done);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EAGAIN') stdout().write(bytes.subarray(done));
    else stdoutError = err as NodeJS.ErrnoException;
  }
}

/**
 * Whether stdout is a terminal. Only a character device can be one; on
 * Linux, major number 1 (/dev/null, /dev/zero, /dev/full) never is. Any
 * other character device is asked through the stream, which a terminal
 * needs anyway.
 */
function stdoutIsTTY(): boolean {
  if (stdoutStream) return stdoutStream.isTTY === true;
  try {
    const st = fstatSync(1);
    if (!st.isCharacterDevice()) return false;
    if (process.platform === 'linux' && ((st.rdev >> 8) & 0xfff) === 1) return false;
  } catch {
    return false;
  }
  return stdout().isTTY === true;
}

/**
 * The exit code of a run that returned `code`, given how writing stdout went.
 * A reader that went away (EPIPE: `img list | head -1`) ends the run quietly
 * with ExitCode.BROKEN_PIPE: it has what it wanted, and stderr may be the same
 * closed pipe. Another failure (ENOSPC) is reported in one line, exit 1. A
 * command that failed on its own keeps its own code.
 */
function exitCodeAfter(code: number): number {
  if (!stdoutError || code !== ExitCode.OK) return code;
  if (stdoutError.code === 'EPIPE') return ExitCode.BROKEN_PIPE;
  stderr().write(`img: cannot write to stdout: ${stdoutError.code ?? stdoutError.message}\n`);
  return ExitCode.FAILURE;
}
let stderrStream: NodeJS.WriteStream | undefined;
/** process.stderr, created on first use. */
function stderr(): NodeJS.WriteStream {
  if (!stderrStream) {
    stderrStream = process.stderr;
    // A stderr that is gone (the terminal closed after SIGHUP, a closed pipe) must not stop the clean-up.
    stderrStream.on('error', () => undefined);
  }
  return stderrStream;
}

/** Stdin when it is a regular file (`img create NAME < disk.img`): fstat of descriptor 0, once. */
let stdinFile: { fd: number; dev: number; ino: number } | undefined | null = null;
function regularFileOnStdin() {
  if (stdinFile === null) {
    try {
      const st = fstatSync(0);
      stdinFile = st.isFile() ? { fd: 0, dev: st.dev, ino: st.ino } : undefined;
    } catch {
      // Stdin closed (`<&-`, cron): no data there.
      stdinFile = undefined;
    }
  }
  return stdinFile;
}

const io = {
  // Only when read: creating process.stdin is a cost most commands never need to pay.
  get stdin() {
    return process.stdin;
  },
  get stdinFile() {
    return regularFileOnStdin();
  },
  get stdout() {
    return stdout();
  },
  writeText,
  stdoutIsTTY,
  get stderr() {
    return stderr();
  },
  env: process.env,
  cwd: process.cwd(),
  homeDir: process.env['HOME'] || os.homedir(),
};

runCli(process.argv.slice(2), io, controller.signal).then(
  (code) => {
    // Written straight to the descriptor, or nothing at all: there is nothing to wait for.
    if (!stdoutStream) process.exit(exitCodeAfter(code));
    // Let stdout drain (large outputs to a pipe), then end even if a socket or stdin is still open.
    // A write that failed because the reader left reports EPIPE here, before stdout's 'error' event.
    stdoutStream.write('', (err?: NodeJS.ErrnoException | null) => {
      stdoutError ??= err ?? undefined;
      process.exit(exitCodeAfter(code));
    });
  },
  (err: unknown) => {
    stderr().write(`img: unexpected error: ${visible(messageOf(err))}\n`);
    process.exit(ExitCode.FAILURE);
  },
);
