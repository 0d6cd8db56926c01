import type { Readable, Writable } from 'node:stream';
import type { CommandContext, CommandResult, Progress, StdinFile } from '../commands/context.js';
import { needsPasscode, needsPassword, resolveCloudConfig, validateForAuth, loadImgSettings, type ConfigInput } from '../config/index.js';
import type { CloudConfig, ImgSettings } from '../config/types.js';
import { cacheBase } from '../services/private-files.js';
import { ConfigError, UsageError } from '../errors.js';
import { checkFormat, type ListFormat, type ShowFormat } from '../output/formats.js';
import type { FormatOptions } from '../output/index.js';
import { visible } from '../util/safe-text.js';
import type { OutputKind, RunOptions, RunnableCommand, Runner } from './program.js';
import { readPasswordLine, promptPassword } from './prompt.js';
import { scrubSecrets } from './scrub.js';
import { writeChunks } from './write-chunks.js';

/** The process's streams and environment, injectable for tests. */
export interface Io {
  stdin: Readable & { isTTY?: boolean };
  /** Stdin when it is a regular file (a `< file` redirect), as the process shell found it; else undefined. */
  stdinFile?: StdinFile;
  stdout: Writable & { isTTY?: boolean; columns?: number };
  /**
   * Writes text (help, --version, completion words) to stdout; defaults to
   * `stdout.write`. The process shell writes without creating the stdout
   * stream when nothing else has (src/main.ts).
   */
  writeText?: (text: string) => void;
  /** Whether stdout is a terminal; defaults to `stdout.isTTY`. The process shell answers without creating the stream. */
  stdoutIsTTY?: () => boolean;
  stderr: Writable & { isTTY?: boolean; columns?: number };
  env: Record<string, string | undefined>;
  cwd: string;
  homeDir: string;
  signal: AbortSignal;
  /** Secrets seen this run; run-cli.ts scrubs them from anything it prints. */
  secrets: Set<string>;
  version: string;
}

/**
 * Output options of the command line (and img config's default format) as the formatter takes them.
 * The format is checked here, the one place, before any network work.
 */
function formatOptions(kind: 'list' | 'show', o: RunOptions, settings: ImgSettings, io: Io): FormatOptions {
  const format = checkFormat(kind, o.format ?? settings.format ?? 'table');
  let maxWidth: number | undefined;
  if (o.maxWidth !== undefined) {
    const text = o.maxWidth;
    if (!/^\d+$/.test(text)) throw new UsageError(`Invalid value '${text}' for --max-width: expected a whole number`);
    maxWidth = Number(text);
  }
  return {
    format,
    columns: o.column,
    noindent: Boolean(o.noindent),
    maxWidth,
    fitWidth: Boolean(o.fitWidth),
    printEmpty: Boolean(o.printEmpty),
    sortColumns: o.sortColumn,
    sortDirection: o.sortDescending ? 'desc' : 'asc',
    quote: o.quote,
    prefix: o.prefix ?? '',
    terminalWidth: io.stdout.isTTY ? io.stdout.columns : undefined,
    env: io.env,
  };
}

/**
 * A format checkFormat passed for a `checked` command, as the format of the
 * `printed` kind of result. They are the same kind for every command; a
 * command that returned another kind is a bug in img, not the user's input.
 */
function checkedAs(printed: 'list', checked: OutputKind, format: ListFormat | ShowFormat): ListFormat;
function checkedAs(printed: 'show', checked: OutputKind, format: ListFormat | ShowFormat): ShowFormat;
function checkedAs(printed: 'list' | 'show', checked: OutputKind, format: ListFormat | ShowFormat): ListFormat | ShowFormat {
  if (printed !== checked) throw new Error(`a ${checked} command returned a ${printed} result`);
  return format;
}

function remember(io: Io, cfg: CloudConfig): void {
  const a = cfg.auth;
  for (const s of [a.password, a.token, a.applicationCredentialSecret, a.passcode, a.clientSecret, a.accessToken, a.code]) {
    if (s) io.secrets.add(s);
  }
}

/**
 * The Runner the program calls for every command: img settings → cloud
 * config (prompting for a password when needed) → client → command →
 * rendered output on stdout.
 */
export function makeRunner(io: Io): Runner {
  return async (cmd: RunnableCommand, kind: OutputKind, action: (ctx: CommandContext) => Promise<CommandResult>) => {
    const o = cmd.optsWithGlobals();
    // Warnings quote server replies and file names (why a cleanup failed, a skipped file): one line, controls escaped.
    const warn = (message: string) => io.stderr.write(`img: ${visible(message)}\n`);
    // The cloud configuration is resolved twice when a password is asked for: name a skipped file once.
    const warned = new Set<string>();
    const warnOnce = (message: string) => {
      if (!warned.has(message)) warn(message);
      warned.add(message);
    };
    const settings = await loadImgSettings(io.cwd, io.homeDir, io.env, warnOnce);
    // Check the output options before any network work, so a typo costs nothing.
    const fmt = kind === 'none' ? undefined : formatOptions(kind, o, settings, io);

    if (o.passwordStdin && o.file === '-') {
      throw new UsageError('--password-stdin and --file - both want stdin: use one');
    }
    const input: ConfigInput = { env: io.env, flags: o, cwd: io.cwd, homeDir: io.homeDir, cloudFromSettings: settings.cloud, warn: warnOnce };
    let cfg = await resolveCloudConfig(input);
    // --password-stdin is an explicit request: its password wins over one from OS_PASSWORD or clouds.yaml
    // (a stale exported OS_PASSWORD must not silently beat the password being piped in).
    const fromStdin = Boolean(o.passwordStdin) && needsPassword({ ...cfg, auth: { ...cfg.auth, password: undefined } });
    if (fromStdin || needsPassword(cfg)) {
      let password: string | undefined;
      if (fromStdin) password = await readPasswordLine(io.stdin, io.signal);
      else if (io.stdin.isTTY && io.stderr.isTTY) password = await promptPassword(io.stdin, io.stderr, io.signal);
      if (password !== undefined) {
        io.secrets.add(password);
        cfg = await resolveCloudConfig({ ...input, password });
        input.password = password;
      }
    }
    const tokenCacheOn = o.tokenCache !== false && settings.tokenCache !== false && io.env['IMG_NO_TOKEN_CACHE'] === undefined;
    // v3totp / v3multifactor without OS_PASSCODE or --os-passcode: a passcode only issues a token, so a
    // usable cached one (its key leaves the passcode out) does instead; else ask on a terminal.
    const cached = needsPasscode(cfg) && tokenCacheOn && (await (await openTokenStore(cfg, io))?.hasUsable()) === true;
    if (needsPasscode(cfg) && !cached && io.stdin.isTTY && io.stderr.isTTY) {
      const passcode = await promptPassword(io.stdin, io.stderr, io.signal, 'Passcode');
      io.secrets.add(passcode);
      cfg = await resolveCloudConfig({ ...input, passcode });
    }
    remember(io, cfg);
    validateForAuth(cfg, { passcodeOptional: cached });

    const { CloudClient } = await import('../services/client.js');
    const tokenStore = tokenCacheOn ? await openTokenStore(cfg, io) : undefined;
    const timeout = o.timeout === undefined ? undefined : Number(o.timeout);
    if (timeout !== undefined && !(timeout > 0)) {
      throw new UsageError(`Invalid value '${o.timeout}' for --timeout: expected seconds > 0`);
    }
    const clientOptions: NonNullable<ConstructorParameters<typeof CloudClient>[1]> = {
      // Debug lines are redacted by the session; known secrets are scrubbed again, as run-cli.ts does for errors.
      debug: o.debug ? (line) => io.stderr.write(`${scrubSecrets(line, io.secrets)}\n`) : undefined,
      onToken: (token) => io.secrets.add(token),
      timeoutSeconds: timeout,
      tokenStore,
      userAgent: `img/${io.version}`,
      retryBaseMs: retryBaseMs(io.env),
      signal: io.signal,
      // bin/img moves NODE_EXTRA_CA_CERTS here so that Node does not load every CA at start.
      extraCaFile: io.env['IMG_NODE_EXTRA_CA_CERTS'] || undefined,
      warn,
    };
    const client = new CloudClient(cfg, clientOptions);
    // `img copy`'s target clouds and regions: their own clients, token caches and secrets.
    const { TargetClients, targetConfig } = await import('./target-cloud.js');
    const targets = new TargetClients(client, (t) => targetConfig(cfg, input, t), async (c) => {
      remember(io, c);
      return new CloudClient(c, { ...clientOptions, tokenStore: tokenCacheOn ? await openTokenStore(c, io) : undefined });
    });
    // After the client accepted the TLS settings (--insecure with --os-cacert is refused there).
    if (cfg.insecure) {
      warn('warning: TLS certificate verification is disabled (--insecure / OS_INSECURE)');
    }
    const showProgress = o.progress ?? (settings.progress !== false && io.stderr.isTTY === true);
    // A file redirected to stdin that the command never reads is said once, after the command.
    let stdinUsed = Boolean(o.passwordStdin);
    const ctx: CommandContext = {
      images: () => client.images(),
      members: () => client.members(),
      projects: () => client.projects(),
      keystone: () => client.keystone(),
      targetImages: (target) => targets.images(target),
      signal: io.signal,
      // Getters: creating process.stdin costs ~10 ms, and most commands never read it.
      get stdin() {
        stdinUsed = true;
        return io.stdin;
      },
      get stdinIsTTY() {
        return io.stdin.isTTY === true;
      },
      // After --password-stdin read the password from it, stdin holds no image data.
      takeStdinFile: () => {
        stdinUsed = true;
        return o.passwordStdin ? undefined : io.stdinFile;
      },
      get stdinIsFile() {
        return !o.passwordStdin && io.stdinFile !== undefined;
      },
      fetchText: (url, limit) => client.fetchText(url, limit, io.signal),
      stdout: io.stdout,
      stdoutIsTTY: io.stdout.isTTY === true,
      progress: async (label, total): Promise<Progress | undefined> => {
        if (!showProgress) return undefined;
        const { startProgress } = await import('./progress.js');
        return startProgress(label, total, io.stderr);
      },
      warn,
      cacheBase: cacheBase(io.env, io.homeDir),
    };
    // Load the formatters while the command waits for the network, not after.
    const formatters = fmt ? import('../output/index.js') : undefined;
    const streamed = kind === 'list' ? import('../output/stream.js') : undefined;
    try {
      const result = await action(ctx).finally(() => {
        if (io.stdinFile && !stdinUsed) warn('warning: stdin is a redirected file that this command did not read (ignored)');
      });
      if (result.kind === 'none' || !fmt || !formatters) return;
      if (result.kind === 'list') {
        // Chunk by chunk, with backpressure: a long list never becomes one string (src/output/stream.ts).
        const { renderListChunks } = await (streamed ?? import('../output/stream.js'));
        const batches = Array.isArray(result.rows) ? [result.rows] : result.rows;
        const chunks = renderListChunks(result.columns, batches, { ...fmt, format: checkedAs('list', kind, fmt.format) });
        await writeChunks(io.stdout, chunks, io.signal);
        return;
      }
      const output = await formatters;
      io.stdout.write(output.renderShow(result.fields, result.values, { ...fmt, format: checkedAs('show', kind, fmt.format) }));
    } finally {
      await client.close();
      await targets.close();
    }
  };
}

/**
 * IMG_RETRY_BASE_MS: delay before the first retry of a failed safe request,
 * in milliseconds (default 500, doubled for each further retry). A hook for
 * tests that exercise retries (e.g. 0 or 1) and for operators who want a
 * different pace; anything but a whole number is refused.
 */
function retryBaseMs(env: Record<string, string | undefined>): number | undefined {
  const raw = env['IMG_RETRY_BASE_MS'];
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`Invalid IMG_RETRY_BASE_MS '${raw}': expected a whole number of milliseconds`);
  return Number(raw);
}

async function openTokenStore(cfg: CloudConfig, io: Io) {
  const { FileTokenStore } = await import('../services/token-cache.js');
  return FileTokenStore.forConfig(cfg, io.env, io.homeDir);
}
