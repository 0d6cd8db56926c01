/**
 * img's process shell, the only place that ends the process: turns
 * SIGINT/SIGTERM/SIGHUP into an abort of the run, hands runCli
 * (src/cli/run-cli.ts) the process's streams and environment, and exits with
 * the code it returns once stdout has drained, reporting a stdout closed by
 * its reader.
 */
import { fstatSync } from 'node:fs';
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
  process.stderr.write(`\nimg: ${name} received, cleaning up…\n`);
  controller.abort(new InterruptedError(`Interrupted by ${name}`));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
// An ssh connection that drops sends SIGHUP: clean up (delete the image being created) as for Ctrl-C.
process.on('SIGHUP', onSignal);

/**
 * The first error writing stdout. Without this listener Node would end img with a stack trace.
 * A command that writes stdout itself (save) reports its own failure; see {@link exitCodeAfter}.
 */
let stdoutError: NodeJS.ErrnoException | undefined;
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  stdoutError ??= err;
});

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
  process.stderr.write(`img: cannot write to stdout: ${stdoutError.code ?? stdoutError.message}\n`);
  return ExitCode.FAILURE;
}
// A stderr that is gone (the terminal closed after SIGHUP, a closed pipe) must not stop the clean-up.
process.stderr.on('error', () => undefined);

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
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  homeDir: process.env['HOME'] || os.homedir(),
};

runCli(process.argv.slice(2), io, controller.signal).then(
  (code) => {
    // Let stdout drain (large outputs to a pipe), then end even if a socket or stdin is still open.
    // A write that failed because the reader left reports EPIPE here, before stdout's 'error' event.
    process.stdout.write('', (err?: NodeJS.ErrnoException | null) => {
      stdoutError ??= err ?? undefined;
      process.exit(exitCodeAfter(code));
    });
  },
  (err: unknown) => {
    process.stderr.write(`img: unexpected error: ${visible(messageOf(err))}\n`);
    process.exit(ExitCode.FAILURE);
  },
);
