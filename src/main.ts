/**
 * img's entry point and its only exit point: runs the command line, maps
 * every error to one `img: …` line on stderr and the documented exit code,
 * scrubs secrets from anything printed, and handles SIGINT/SIGTERM/SIGHUP
 * and a stdout closed by its reader.
 */
import os from 'node:os';
import { ExitCode, ImgError, InterruptedError, messageOf } from './errors.js';
import { visible } from './output/safe-text.js';
import { version } from './version.js';

interface CommanderLikeError {
  code: string;
  exitCode: number;
  message: string;
}

function isCommanderError(err: unknown): err is CommanderLikeError {
  return !!err && typeof (err as CommanderLikeError).code === 'string' && (err as CommanderLikeError).code.startsWith('commander.');
}

/** Options other OpenStack clients take for secrets, and where img takes those secrets from instead. */
const SECRET_OPTIONS: Record<string, string> = {
  '--os-password': 'set OS_PASSWORD, or pipe it in with --password-stdin',
  '--os-token': 'set OS_TOKEN',
  '--os-auth-token': 'set OS_TOKEN',
  '--os-application-credential-secret': 'set OS_APPLICATION_CREDENTIAL_SECRET',
};

/**
 * commander's error as one line. An unknown `--option=value` is named
 * without its value (it may be a password typed as `--os-password=…`), and
 * the secret options of the openstack client get a hint instead of
 * commander's "Did you mean" guess.
 */
function usageMessage(err: CommanderLikeError): string {
  const message = err.message.replace(/^error: /, '');
  const unknown = err.code === 'commander.unknownOption' ? /^unknown option '([^']*)'/.exec(message) : null;
  if (unknown) {
    const given = unknown[1] ?? '';
    const name = given.split('=')[0] ?? given;
    const hint = SECRET_OPTIONS[name];
    if (hint) return `unknown option '${name}': img takes no secret on the command line (ps and shell history would show it); ${hint}`;
    if (name !== given) return `unknown option '${name}'`;
  }
  // "unknown option '--x'\n(Did you mean --y?)" → one line.
  return message.replace(/\s*\n\s*/g, ' ');
}

async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  const secrets = new Set<string>();
  const scrub = (text: string) => {
    let out = text;
    for (const s of secrets) if (s.length >= 4) out = out.split(s).join('***');
    return out;
  };
  // Always exactly one line per message, whatever a value inside it contained: messages quote
  // server replies and image names, so line breaks become a space and other controls (ESC, bidi…)
  // are shown escaped.
  const fail = (line: string) => process.stderr.write(`img: ${visible(scrub(line).replace(/[\r\n]+/g, ' '))}\n`);
  // A --debug stack trace keeps its lines; what a server put in its message is still escaped.
  const trace = (text: string) => process.stderr.write(`${visible(scrub(text), { newline: 'keep' })}\n`);

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

  const { buildProgram } = await import('./cli/program.js');
  // The runner (config, HTTP, services) is loaded only when a command runs: --help and
  // usage errors stay at commander's cost.
  const program = buildProgram(version, async (cmd, kind, action) => {
    const { makeRunner } = await import('./cli/run.js');
    const run = makeRunner({
      // Only when read: creating process.stdin slows every start (bench/RESULTS.md), and most commands never read it.
      get stdin() {
        return process.stdin;
      },
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
      cwd: process.cwd(),
      homeDir: process.env['HOME'] || os.homedir(),
      signal: controller.signal,
      secrets,
      version,
    });
    return run(cmd, kind, action);
  }, { imageGroup: argv.includes('image') });
  // commander would print its own `error: …` line and call process.exit(1) itself: make every
  // command (subcommands do not inherit settings added after they were created) throw instead,
  // so that usage errors come out here as one `img: …` line with exit code 2.
  const quiet = (cmd: typeof program): void => {
    cmd.exitOverride().configureOutput({ outputError: () => undefined });
    for (const sub of cmd.commands) quiet(sub);
  };
  quiet(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.OK;
  } catch (err) {
    if (isCommanderError(err)) {
      if (err.exitCode === 0) return ExitCode.OK;
      // `img` or `img image` without a command: commander has already printed the help on stderr.
      if (err.code === 'commander.help') return ExitCode.USAGE;
      fail(usageMessage(err));
      return ExitCode.USAGE;
    }
    if (controller.signal.aborted) {
      fail(err instanceof InterruptedError ? err.message : `Interrupted (${messageOf(err)})`);
      return ExitCode.INTERRUPTED;
    }
    if (err instanceof ImgError) {
      const failures = (err as { failures?: unknown }).failures;
      if (Array.isArray(failures)) for (const line of failures) fail(String(line));
      fail(err.message);
      if (process.argv.includes('--debug') && err.cause) trace(String((err.cause as Error).stack ?? err.cause));
      return err.exitCode;
    }
    fail(`unexpected error: ${messageOf(err)}`);
    if (process.argv.includes('--debug') && err instanceof Error) trace(err.stack ?? '');
    return ExitCode.FAILURE;
  }
}

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

main(process.argv.slice(2)).then(
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
