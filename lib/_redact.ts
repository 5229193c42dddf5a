// Keeping secrets out of messages: the one place that decides what looks like a token or a key.

/** JWTs: a base64url header that starts with `{"` (eyJ), a payload, and maybe a signature. */
const JWT = /\beyJ[\w-]*\.[\w-]*(?:\.[\w-]*)?/g;
/** A whole value shaped like a JWT without the usual header: three long base64url parts. */
const JWT_SHAPE = /^[\w-]{8,}\.[\w-]{8,}\.[\w-]*$/;
/** Long runs of base64: keys, session tokens, bearers. */
const LONG_BASE64 = /[A-Za-z0-9+/=_-]{40,}/g;

/** Replaces the given secrets (and each of their lines), JWTs and long base64 runs with `<redacted>`. */
export function redact(text: string, secrets: readonly string[] = []): string {
  for (const secret of secrets.flatMap((s) => [s, ...s.split(/\r?\n/)])) {
    const needle = secret.trim();
    if (needle.length >= 4) text = text.split(needle).join("<redacted>");
  }
  return text.replace(JWT, "<redacted>").replace(LONG_BASE64, "<redacted>");
}

/** A short, single-line excerpt of an answer body (tags dropped), with secrets redacted. */
export function bodyExcerpt(body: string, secrets: readonly string[] = []): string {
  const text = redact(body.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim(), secrets);
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

/**
 * A configuration value fit to quote in a message: trimmed and shortened; a value that holds a
 * token, or a run of 20+ base64 characters mixing upper case, lower case and digits (a key, a
 * bearer), is not shown at all.
 */
export function clip(value: string): string {
  value = value.trim();
  if (JWT_SHAPE.test(value) || new RegExp(JWT.source).test(value)) return "<a token, not shown>";
  const runs = value.match(/[A-Za-z0-9+/=]{20,}/g) ?? [];
  if (runs.some((run) => /[a-z]/.test(run) && /[A-Z]/.test(run) && /\d/.test(run))) {
    return "<a secret-looking value, not shown>";
  }
  return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}
