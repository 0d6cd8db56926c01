/**
 * `img __complete images|clouds|stores [PREFIX] [--os-cloud C] [--os-region-name R]`:
 * what the completion scripts call at TAB time. Never waits more than about
 * a second, never prompts, never writes to stderr, always exits 0: on a
 * timeout or any error it prints nothing. `img __complete refresh-images`
 * (started in the background by the scripts when a TAB got nothing in time)
 * fills the cache within 15 s and prints nothing. What it prints is one word a
 * line, only names that are safe on a shell's command line (isShellWord).
 */
import { Readable, Writable } from 'node:stream';
import { NONE } from '../commands/context.js';
import { loadClouds } from '../config/index.js';
import { cacheBase } from '../services/private-files.js';
import { isShellWord } from '../util/safe-text.js';
import type { RunOptions } from './program.js';
import type { CliIo } from './run-cli.js';
import { stdoutText } from './stdout-text.js';

/** The most a TAB waits for img. */
const DEADLINE_MS = 1000;
/**
 * The most a background refresh (`__complete refresh-images`, which the scripts start when a TAB
 * got no names in time) works to fill the cache for the next TAB.
 */
const REFRESH_MS = 15_000;

/** --os-cloud and --os-region-name from the words after the prefix (what the script passes on). */
function flagsOf(words: readonly string[]): RunOptions {
  const flags: RunOptions = { tokenCache: true };
  for (let i = 0; i + 1 < words.length; i += 2) {
    if (words[i] === '--os-cloud') flags.osCloud = words[i + 1];
    if (words[i] === '--os-region-name') flags.osRegionName = words[i + 1];
  }
  return flags;
}

async function names(what: string | undefined, flags: RunOptions, io: CliIo, signal: AbortSignal, budgetMs: number): Promise<string[]> {
  if (what === 'clouds') {
    const data = await loadClouds({ cwd: io.cwd, homeDir: io.homeDir, env: io.env, systemConfigDir: '/etc/openstack', warn: () => undefined });
    return Object.keys(data.clouds);
  }
  if (what !== 'images' && what !== 'refresh-images' && what !== 'stores') return [];
  const { makeRunner } = await import('./run.js');
  // No stdin (so no password prompt) and no stderr (warnings included): a TAB prints nothing but names.
  const run = makeRunner({
    stdin: Readable.from([]),
    stdout: io.stdout,
    stderr: new Writable({ write: (_c, _e, done) => done() }),
    env: io.env,
    cwd: io.cwd,
    homeDir: io.homeDir,
    signal,
    secrets: new Set(),
    version: '',
  });
  let found: string[] = [];
  await run({ optsWithGlobals: () => flags }, 'none', async (ctx) => {
    const { imageNames, storeIds } = await import('../commands/complete-images.js');
    found = what === 'stores' ? await storeIds(ctx, budgetMs - 100) : await imageNames(ctx, cacheBase(io.env, io.homeDir), budgetMs - 100);
    return NONE;
  });
  return found;
}

export async function complete(args: readonly string[], io: CliIo, signal: AbortSignal): Promise<number> {
  const [what, prefix = '', ...rest] = args;
  const refresh = what === 'refresh-images';
  const budgetMs = refresh ? REFRESH_MS : DEADLINE_MS;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<string[]>((resolve) => {
    timer = setTimeout(() => resolve([]), budgetMs);
  });
  try {
    const found = await Promise.race([names(what, flagsOf(rest), io, signal, budgetMs).catch(() => []), deadline]);
    // A refresh only fills the cache; what a TAB prints is one safe word a line.
    const words = refresh ? [] : found.filter((n) => n.startsWith(prefix) && isShellWord(n));
    if (words.length) stdoutText(io).write(`${words.join('\n')}\n`);
  } finally {
    clearTimeout(timer);
  }
  return 0;
}
