import type { Readable } from 'node:stream';
import { ConfigError, InterruptedError } from '../errors.js';

/** First line of `stdin` (for --password-stdin), without its line ending. Empty input is an error. */
export async function readPasswordLine(stdin: Readable): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    if (text.includes('\n')) break;
  }
  const line = text.split(/\r?\n/)[0] ?? '';
  if (!line) throw new ConfigError('--password-stdin: no password on stdin');
  return line;
}

/**
 * Asks `Password: ` on the terminal without echoing what is typed. Ctrl-C
 * aborts; an empty answer is an error.
 */
export async function promptPassword(stdin: Readable & { isTTY?: boolean; setRawMode?: (on: boolean) => void }, out: NodeJS.WriteStream): Promise<string> {
  // Raw mode (no echo) before the prompt shows: what is typed as soon as it appears is never echoed.
  stdin.setRawMode?.(true);
  out.write('Password: ');
  stdin.setEncoding('utf8');
  stdin.resume();
  try {
    const password = await new Promise<string>((resolve, reject) => {
      let typed = '';
      const onData = (chunk: string) => {
        for (const ch of chunk) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') {
            stdin.off('data', onData);
            resolve(typed);
            return;
          }
          if (ch === '\u0003') {
            // Raw mode turns Ctrl-C into this character instead of SIGINT: exit as for SIGINT (130).
            stdin.off('data', onData);
            reject(new InterruptedError('Interrupted at the password prompt'));
            return;
          }
          if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
          else typed += ch;
        }
      };
      stdin.on('data', onData);
    });
    if (!password) throw new ConfigError('Empty password');
    return password;
  } finally {
    stdin.setRawMode?.(false);
    stdin.pause();
    out.write('\n');
  }
}
