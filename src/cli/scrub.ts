// Removing the secrets img has seen (passwords, tokens) from text it is about to print.

/**
 * `text` with every secret in `secrets` replaced by `***`. Secrets shorter
 * than 4 characters are left alone: replacing a 1-3 character string would
 * mangle ordinary words and numbers while hiding nothing worth guessing.
 * Later secrets are scrubbed from text already scrubbed of earlier ones.
 */
export function scrubSecrets(text: string, secrets: ReadonlySet<string>): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4 && out.includes(s)) out = out.split(s).join('***');
  return out;
}
