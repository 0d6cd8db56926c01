/**
 * img's entry point and its only exit point: runs the command line, maps
 * every error to one `img: …` line on stderr and the documented exit code,
 * scrubs secrets from anything printed, and handles SIGINT/SIGTERM.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import { ExitCode, ImgError, InterruptedError } from './errors.js';

const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

interface CommanderLikeError {
  code: string;
  exitCode: number;
  message: string;
}

function isCommanderError(err: unknown): err is CommanderLikeError {
  return !!err && typeof (err as CommanderLikeError).code === 'string' && (err as CommanderLikeError).code.startsWith('commander.');
}

async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  const secrets = new Set<string>();
  const scrub = (text: string) => {
    let out = text;
    for (const s of secrets) if (s.length >= 4) out = out.split(s).join('***');
    return out;
  };
  // Always exactly one line per message, whatever a value inside it contained.
  const fail = (line: string) => process.stderr.write(`img: ${scrub(line).replace(/[\r\n]+/g, ' ')}\n`);

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

  const { buildProgram } = await import('./cli/program.js');
  const { makeRunner } = await import('./cli/run.js');
  const program = buildProgram(
    version,
    makeRunner({
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
      cwd: process.cwd(),
      homeDir: process.env['HOME'] || os.homedir(),
      signal: controller.signal,
      secrets,
      version,
    }),
  );
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
      // "unknown option '--x'\n(Did you mean --y?)" → one line.
      fail(err.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' '));
      return ExitCode.USAGE;
    }
    if (controller.signal.aborted) {
      fail(err instanceof InterruptedError ? err.message : `Interrupted (${err instanceof Error ? err.message : String(err)})`);
      return ExitCode.INTERRUPTED;
    }
    if (err instanceof ImgError) {
      const failures = (err as { failures?: unknown }).failures;
      if (Array.isArray(failures)) for (const line of failures) fail(String(line));
      fail(err.message);
      if (process.argv.includes('--debug') && err.cause) process.stderr.write(`${scrub(String((err.cause as Error).stack ?? err.cause))}\n`);
      return err.exitCode;
    }
    fail(`unexpected error: ${err instanceof Error ? err.message : String(err)}`);
    if (process.argv.includes('--debug') && err instanceof Error) process.stderr.write(`${scrub(err.stack ?? '')}\n`);
    return ExitCode.FAILURE;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    // Let stdout drain (large outputs to a pipe), then end even if a socket or stdin is still open.
    process.stdout.write('', () => process.exit(code));
  },
  (err: unknown) => {
    process.stderr.write(`img: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(ExitCode.FAILURE);
  },
);
