import type { Progress } from '../commands/context.js';

/** 1536 → "1.5 KiB". */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** The progress line: bytes done/total, percent, rate and ETA (when the total is known). */
export function progressLine(label: string, done: number, total: number | undefined, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const parts = [`${label}: ${formatBytes(done)}`];
  if (total !== undefined && total > 0) {
    parts[0] += ` / ${formatBytes(total)} (${Math.floor((done / total) * 100)}%)`;
  }
  parts.push(`${formatBytes(Math.round(rate))}/s`);
  if (total !== undefined && rate > 0 && done < total) parts.push(`ETA ${Math.ceil((total - done) / rate)}s`);
  return parts.join('  ');
}

/**
 * A progress display on stderr with an ora spinner, redrawn at most 10 times
 * a second so a fast transfer spends no time drawing.
 */
export async function startProgress(label: string, total: number | undefined, stream: NodeJS.WriteStream): Promise<Progress> {
  const { default: ora } = await import('ora');
  const started = Date.now();
  const spinner = ora({ text: progressLine(label, 0, total, 0), stream, isEnabled: true, discardStdin: false }).start();
  let last = 0;
  let bytes = 0;
  return {
    update(done: number) {
      bytes = done;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      spinner.text = progressLine(label, done, total, now - started);
    },
    done() {
      if (!spinner.isSpinning) return;
      spinner.stopAndPersist({ symbol: '', text: progressLine(label, bytes, total, Date.now() - started) });
    },
  };
}
