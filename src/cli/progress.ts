import type { Writable } from 'node:stream';
import type { Progress } from '../commands/context.js';
import { visible } from '../util/safe-text.js';

/** 1536 → "1.5 KiB". */
function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

/**
 * The progress line: bytes done/total, percent, rate and ETA (when the total
 * is known). The label holds an image name, which another tenant may have
 * written: it is shown through {@link visible}, so it stays one line and
 * cannot act on the terminal.
 */
function progressLine(label: string, done: number, total: number | undefined, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const parts = [`${visible(label)}: ${formatBytes(done)}`];
  if (total !== undefined && total > 0) {
    parts[0] += ` / ${formatBytes(total)} (${Math.floor((done / total) * 100)}%)`;
  }
  parts.push(`${formatBytes(Math.round(rate))}/s`);
  if (total !== undefined && rate > 0 && done < total) parts.push(`ETA ${Math.ceil((total - done) / rate)}s`);
  return parts.join('  ');
}

/**
 * Progress on stderr. On a terminal (with a known width) an ora spinner
 * line redrawn at most 10 times a second; elsewhere (--progress into a
 * pipe or log) a plain line at most once a second, so logs stay readable.
 * Either way the last line shows the final count.
 */
export async function startProgress(label: string, total: number | undefined, stream: Writable & { isTTY?: boolean; columns?: number }): Promise<Progress> {
  const started = Date.now();
  let bytes = 0;
  let last = 0;
  const line = () => progressLine(label, bytes, total, Date.now() - started);
  // ora divides by the terminal width: a pty that reports 0 columns would make it redraw forever.
  if (stream.isTTY && (stream.columns ?? 0) > 0) {
    const { default: ora } = await import('ora');
    const spinner = ora({ text: line(), stream, isEnabled: true, discardStdin: false }).start();
    return {
      update(done) {
        bytes = done;
        const now = Date.now();
        if (now - last < 100) return;
        last = now;
        spinner.text = line();
      },
      done() {
        if (spinner.isSpinning) spinner.stopAndPersist({ symbol: '', text: line() });
      },
    };
  }
  let finished = false;
  return {
    update(done) {
      bytes = done;
      const now = Date.now();
      if (now - last < 1000) return;
      last = now;
      stream.write(`${line()}\n`);
    },
    done() {
      if (finished) return;
      finished = true;
      stream.write(`${line()}\n`);
    },
  };
}
