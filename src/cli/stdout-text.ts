import type { Io } from './run.js';

/**
 * How text reaches stdout in a run: io's own writer and terminal test when
 * it has them (the process shell's, which do not create the stdout stream;
 * see src/main.ts), else the stream's `write` and `isTTY`.
 */
export function stdoutText(io: Pick<Io, 'stdout' | 'writeText' | 'stdoutIsTTY'>): { write: (text: string) => void; isTTY: () => boolean } {
  return {
    write: io.writeText ?? ((text) => io.stdout.write(text)),
    isTTY: io.stdoutIsTTY ?? (() => io.stdout.isTTY === true),
  };
}
