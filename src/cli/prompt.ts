import { addAbortSignal, type Readable, type Writable } from 'node:stream';
import { ConfigError, InterruptedError } from '../errors.js';

/**
 * First line of `stdin` (for --password-stdin), without its line ending.
 * Empty input is an error. When `signal` is aborted (SIGTERM, SIGHUP) while
 * waiting for input that never comes, rejects at once with its reason.
 */
export async function readPasswordLine(stdin: Readable, signal?: AbortSignal): Promise<string> {
  let text = '';
  if (signal) addAbortSignal(signal, stdin);
  try {
    for await (const chunk of stdin) {
      text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
      if (text.includes('\n')) break;
    }
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw err;
  }
  const line = text.split(/\r?\n/)[0] ?? '';
  if (!line) throw new ConfigError('--password-stdin: no password on stdin');
  return line;
}

/**
 * Asks `Password: ` (or `<label>: `, e.g. `Passcode`) on the terminal without
 * echoing what is typed. Ctrl-C aborts; an empty answer is an error. A signal
 * that arrives meanwhile (SIGTERM, SIGHUP: `signal` aborted) ends the prompt
 * at once, rejecting with the signal's reason, and the terminal leaves raw mode.
 */
export async function promptPassword(
  stdin: Readable & { isTTY?: boolean; setRawMode?: (on: boolean) => void },
  out: Writable,
  signal?: AbortSignal,
  label = 'Password',
): Promise<string> {
  // Raw mode (no echo) before the prompt shows: what is typed as soon as it appears is never echoed.
  stdin.setRawMode?.(true);
  out.write(`${label}: `);
  stdin.setEncoding('utf8');
  stdin.resume();
  try {
    const password = await new Promise<string>((resolve, reject) => {
      let typed = '';
      const stop = () => {
        stdin.off('data', onData);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        stop();
        reject(signal?.reason);
      };
      const onData = (chunk: string) => {
        for (const ch of chunk) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') {
            stop();
            resolve(typed);
            return;
          }
          if (ch === '\u0003') {
            // Raw mode turns Ctrl-C into this character instead of SIGINT: exit as for SIGINT (130).
            stop();
            reject(new InterruptedError(`Interrupted at the ${label.toLowerCase()} prompt`));
            return;
          }
          if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
          else typed += ch;
        }
      };
      stdin.on('data', onData);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
    if (!password) throw new ConfigError(`Empty ${label.toLowerCase()}`);
    return password;
  } finally {
    stdin.setRawMode?.(false);
    stdin.pause();
    // After a signal, its own message (which starts on a new line) follows instead.
    if (!signal?.aborted) out.write('\n');
  }
}
