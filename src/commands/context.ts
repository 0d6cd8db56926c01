import type { Readable, Writable } from 'node:stream';
import type { Cell } from '../output/columns.js';
import type { ImagesApi } from '../services/glance.js';
import type { ProgressFn } from '../services/transfer/meter.js';
import type { KeystoneSession } from '../services/client.js';

/**
 * What a command gets from the CLI layer. Commands never print or exit:
 * they return a {@link CommandResult}, throw an ImgError, and write only
 * binary image data to `stdout` (save to stdout).
 */
export interface CommandContext {
  /** Glance images API (authenticates on first use). */
  images(): Promise<ImagesApi>;
  /** Glance of another cloud or region (`img copy --to-cloud/--to-region`); the run's own for `{}`. */
  targetImages(target: ImageTarget): Promise<ImagesApi>;
  /** Keystone session (token issue / revoke). */
  keystone(): Promise<KeystoneSession>;
  /** Aborted on SIGINT/SIGTERM; commands clean up and rethrow. */
  signal: AbortSignal;
  stdin: Readable;
  stdinIsTTY: boolean;
  stdout: Writable;
  stdoutIsTTY: boolean;
  /** A progress callback for a transfer of `total` bytes, or undefined when progress is off. */
  progress(label: string, total: number | undefined): Promise<Progress | undefined>;
  /** One warning line for stderr. */
  warn(message: string): void;
}

/** Where `img copy` puts the image: a clouds.yaml cloud and/or a region (neither: the source's own Glance). */
export interface ImageTarget {
  cloud?: string;
  region?: string;
}

export interface Progress {
  update: ProgressFn;
  done(): void;
}

/** Data a command returns; the formatter in src/output renders it. */
export type CommandResult =
  | { kind: 'show'; fields: string[]; values: Cell[] }
  | { kind: 'list'; columns: string[]; rows: Cell[][] }
  | { kind: 'none' };

export const NONE: CommandResult = { kind: 'none' };
