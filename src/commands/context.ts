import type { Readable, Writable } from 'node:stream';
import type { Cell } from '../output/columns.js';
import type { ImagesApi } from '../services/glance.js';
import type { MembersApi } from '../services/glance-members.js';
import type { ProjectsApi } from '../services/projects.js';
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
  /** Glance image members (sharing). */
  members(): Promise<MembersApi>;
  /** Keystone projects and domains by name or ID. */
  projects(): ProjectsApi;
  /** Glance of another cloud or region (`img copy --to-cloud/--to-region`); the run's own for `{}`. */
  targetImages(target: ImageTarget): Promise<ImagesApi>;
  /** Keystone session (token issue / revoke). */
  keystone(): Promise<KeystoneSession>;
  /** Aborted on SIGINT/SIGTERM; commands clean up and rethrow. */
  signal: AbortSignal;
  stdin: Readable;
  stdinIsTTY: boolean;
  /**
   * Stdin when it is a regular file (`img create NAME < disk.img`): its
   * descriptor and identity, else undefined. Taking it marks it used (the
   * runner warns about a redirected file no one used).
   */
  takeStdinFile(): StdinFile | undefined;
  /** Whether stdin is a regular file (without taking it). */
  stdinIsFile: boolean;
  /** A small text document from an http(s) URL, with the cloud's TLS settings and no credentials. */
  fetchText(url: string, limit: number): Promise<string>;
  stdout: Writable;
  stdoutIsTTY: boolean;
  /** A progress callback for a transfer of `total` bytes, or undefined when progress is off. */
  progress(label: string, total: number | undefined): Promise<Progress | undefined>;
  /** One warning line for stderr. */
  warn(message: string): void;
  /** The base of img's cache directories (`$XDG_CACHE_HOME`, else `~/.cache`), if there is one. */
  cacheBase?: string;
}

/** Stdin as a regular file: its descriptor number and what fstat said of it. */
export interface StdinFile {
  fd: number;
  dev: number;
  ino: number;
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

/**
 * A list's rows: all of them, or batches yielded as they arrive (`img list --sort ''`: one per page
 * of Glance's list, fetched only when the runner has written the rows before; src/output/stream.ts).
 */
export type ListRows = Cell[][] | AsyncIterable<Cell[][]>;

/** Data a command returns; the formatter in src/output renders it. */
export type CommandResult =
  | { kind: 'show'; fields: string[]; values: Cell[] }
  | { kind: 'list'; columns: string[]; rows: ListRows }
  | { kind: 'none' };

export const NONE: CommandResult = { kind: 'none' };
