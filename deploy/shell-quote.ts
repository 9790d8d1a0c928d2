// The one place remote shell commands get their arguments quoted. Every value that reaches a remote shell goes through
// `q` (or the `sh` template tag), so a directory or node name can never break out of the command it is part of.

/** POSIX single-quote quoting: 'abc' stays readable, anything else is wrapped with embedded ' written as '\''. */
export function q(value: string | number): string {
  const s = String(value);
  if (s !== '' && /^[A-Za-z0-9_./:=@%+,-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Template tag: literal parts are shell code written by us; every interpolated value is quoted as one word. */
export function sh(parts: TemplateStringsArray, ...values: (string | number)[]): string {
  let out = parts[0];
  values.forEach((v, i) => {
    out += q(v) + parts[i + 1];
  });
  return out;
}
