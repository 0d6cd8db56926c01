// img's run logic, apart from the process: parse the command line, run the command, and turn
// every outcome into one exit code and at most a few `img: …` lines, all through the given io.
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { ExitCode, ImgError, InterruptedError, messageOf } from '../errors.js';
import { visible } from '../util/safe-text.js';
import { version } from '../version.js';
import type { Io } from './run.js';
import { scrubSecrets } from './scrub.js';
import { stdoutText } from './stdout-text.js';

/** What a run reads and writes instead of `process`: its streams, environment, working and home directories. */
export type CliIo = Omit<Io, 'signal' | 'secrets' | 'version'>;

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
  '--os-client-secret': 'set OS_CLIENT_SECRET (or client_secret in clouds.yaml/secure.yaml)',
  '--os-access-token': 'set OS_ACCESS_TOKEN (or access_token in clouds.yaml/secure.yaml)',
  '--os-code': 'set OS_CODE (or code in clouds.yaml/secure.yaml)',
  '--os-authorization-code': 'set OS_CODE (or code in clouds.yaml/secure.yaml)',
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

/**
 * commander's own color test (NO_COLOR, FORCE_COLOR, CLICOLOR_FORCE, then the
 * stream), read from the run's environment instead of the process's.
 */
function hasColors(env: CliIo['env'], isTTY: boolean, stream: () => CliIo['stdout']): boolean {
  if (env['NO_COLOR'] || env['FORCE_COLOR'] === '0' || env['FORCE_COLOR'] === 'false') return false;
  if (env['FORCE_COLOR'] || env['CLICOLOR_FORCE'] !== undefined) return true;
  return isTTY && (stream() as { hasColors?: () => boolean }).hasColors?.() === true;
}

/**
 * Runs img once: `argv` is the command line without `node` and the script
 * (`['list', '-f', 'json']`). Resolves to the exit code (ExitCode) and never
 * rejects for img's own failures: usage errors are one `img: …` line on
 * `io.stderr` and exit 2, an ImgError its line(s) and its own code, anything
 * else `img: unexpected error: …` and 1; with `--debug` in `argv`, the cause's
 * stack follows. Known secrets (passwords, tokens seen during the run) are
 * scrubbed from all of it. When `signal` is aborted (SIGINT…) the run's
 * failure is reported as an interruption, ExitCode.INTERRUPTED.
 *
 * Never touches `process` (exit, streams, env, argv, cwd): the caller builds
 * `io` and ends the process; tests call this directly with in-memory streams.
 * Each call starts from nothing: its secrets, signal and io are its own.
 */
export async function runCli(argv: readonly string[], io: CliIo, signal: AbortSignal = new AbortController().signal): Promise<number> {
  const secrets = new Set<string>();
  const debug = argv.includes('--debug');
  // Always exactly one line per message, whatever a value inside it contained: messages quote
  // server replies and image names, so line breaks become a space and other controls (ESC, bidi…)
  // are shown escaped.
  const fail = (line: string) => io.stderr.write(`img: ${visible(scrubSecrets(line, secrets).replace(/[\r\n]+/g, ' '))}\n`);
  // A --debug stack trace keeps its lines; what a server put in its message is still escaped.
  const trace = (text: string) => io.stderr.write(`${visible(scrubSecrets(text, secrets), { newline: 'keep' })}\n`);

  // The completion scripts' TAB-time call: names only, never an error line (see complete.ts).
  if (argv[0] === '__complete') return (await import('./complete.js')).complete(argv.slice(1), io, signal);
  const { buildProgram } = await import('./program.js');
  // The runner (config, HTTP, services) is loaded only when a command runs: --help and
  // usage errors stay at commander's cost.
  const program = buildProgram(version, async (cmd, kind, action) => {
    const { makeRunner } = await import('./run.js');
    const run = makeRunner({
      // A getter, not a copy: the caller may create stdin only when it is read.
      get stdin() {
        return io.stdin;
      },
      get stdinFile() {
        return io.stdinFile;
      },
      // Getters: the stdout and stderr streams are created when a command uses them, not before.
      get stdout() {
        return io.stdout;
      },
      get stderr() {
        return io.stderr;
      },
      env: io.env,
      cwd: io.cwd,
      homeDir: io.homeDir,
      signal,
      secrets,
      version,
    });
    return run(cmd, kind, action);
  }, { imageGroup: argv.includes('image'), words: argv });
  // commander would print its own `error: …` line and call process.exit(1) itself: make every
  // command (subcommands do not inherit settings added after they were created) throw instead,
  // so that usage errors come out here as one `img: …` line with exit code 2. Help and --version
  // go to io's streams, sized and colored as commander would for the process's.
  const out = stdoutText(io);
  const quiet = (cmd: CommandUnknownOpts): void => {
    cmd.exitOverride().configureOutput({
      writeOut: (text) => out.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: () => undefined,
      // commander's own defaults return undefined when not on a terminal (its typings say number).
      getOutHelpWidth: () => (out.isTTY() ? io.stdout.columns : undefined) as number,
      getErrHelpWidth: () => (io.stderr.isTTY ? io.stderr.columns : undefined) as number,
      getOutHasColors: () => hasColors(io.env, out.isTTY(), () => io.stdout),
      getErrHasColors: () => hasColors(io.env, io.stderr.isTTY === true, () => io.stderr),
    });
    for (const sub of cmd.commands) quiet(sub);
  };
  quiet(program);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ExitCode.OK;
  } catch (err) {
    if (isCommanderError(err)) {
      if (err.exitCode === 0) return ExitCode.OK;
      // `img` or `img image` without a command: commander has already printed the help on stderr.
      if (err.code === 'commander.help') return ExitCode.USAGE;
      fail(usageMessage(err));
      return ExitCode.USAGE;
    }
    if (signal.aborted) {
      fail(err instanceof InterruptedError ? err.message : `Interrupted (${messageOf(err)})`);
      return ExitCode.INTERRUPTED;
    }
    if (err instanceof ImgError) {
      const failures = (err as { failures?: unknown }).failures;
      if (Array.isArray(failures)) for (const line of failures) fail(String(line));
      fail(err.message);
      if (debug && err.cause) trace(String((err.cause as Error).stack ?? err.cause));
      return err.exitCode;
    }
    fail(`unexpected error: ${messageOf(err)}`);
    if (debug && err instanceof Error) trace(err.stack ?? '');
    return ExitCode.FAILURE;
  }
}
