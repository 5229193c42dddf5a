// Keeping secrets out of messages: the one place that decides what looks like a token or a key.
import { SOURCES } from "./sources/registry.ts";

/** JWTs: a base64url header that starts with `{"` (eyJ), a payload, and maybe a signature. */
const JWT = /\beyJ[\w-]*\.[\w-]*(?:\.[\w-]*)?/g;
/** A whole value shaped like a JWT without the usual header: three long base64url parts. */
const JWT_SHAPE = /^[\w-]{8,}\.[\w-]{8,}\.[\w-]*$/;
/** Long runs of base64: keys, session tokens. */
const LONG_BASE64 = /[A-Za-z0-9+/=]{40,}/g;

/** Random base64 mixes cases and digits and has few slashes; a path has a slash every few characters. */
function looksRandom(run: string): boolean {
  const slashes = run.split("/").length - 1;
  return /[a-z]/.test(run) && /[A-Z]/.test(run) && /\d/.test(run) && slashes <= run.length / 12;
}

/** Replaces the given secrets (and each of their lines), JWTs and long base64 runs with `<redacted>`. */
export function redact(text: string, secrets: readonly string[] = []): string {
  for (const secret of secrets.flatMap((s) => [s, ...s.split(/\r?\n/)])) {
    const needle = secret.trim();
    if (needle.length >= 4) text = text.split(needle).join("<redacted>");
  }
  return text.replace(JWT, "<redacted>").replace(LONG_BASE64, (run) => (looksRandom(run) ? "<redacted>" : run));
}

/** A short, single-line excerpt of an answer body (tags dropped), with secrets redacted. */
export function bodyExcerpt(body: string, secrets: readonly string[] = []): string {
  const text = redact(body.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim(), secrets);
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

/**
 * A configuration value fit to quote in a message: trimmed and shortened; a value that holds a
 * token, or a run of 20+ base64 characters mixing upper case, lower case and digits (a key, a
 * bearer), or one of the known `secrets`, is not shown at all.
 */
export function clip(value: string, secrets: readonly string[] = []): string {
  value = value.trim();
  if (secrets.some((secret) => value.includes(secret))) return "<a secret, not shown>";
  if (JWT_SHAPE.test(value) || new RegExp(JWT.source).test(value)) return "<a token, not shown>";
  const runs = value.match(/[A-Za-z0-9+/=]{20,}/g) ?? [];
  if (runs.some((run) => /[a-z]/.test(run) && /[A-Z]/.test(run) && /\d/.test(run))) {
    return "<a secret-looking value, not shown>";
  }
  return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}

/** Names of environment variables that hold secrets: bearers, tokens, keys. */
const SECRET_NAME = /TOKEN|SECRET|PASSWORD|ACCESSKEY|ACCESS_KEY|CREDENTIAL/i;

/** Secret variables read by name where the environment cannot be listed: AWS's, and each source's. */
function knownSecrets(): string[] {
  return ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", ...SOURCES.flatMap((entry) => entry.secrets ?? [])];
}

/** The values of the environment's secret-named variables (8 characters or more), to keep out of messages. */
export function secretValues(env: Readonly<Record<string, string | undefined>>): string[] {
  let names: string[];
  try {
    names = Object.keys(env).filter((name) => SECRET_NAME.test(name));
  } catch {
    names = knownSecrets(); // Deno with a narrow --allow-env cannot list the environment
  }
  const values: string[] = [];
  for (const name of names) {
    try {
      const value = env[name]?.trim();
      if (value && value.length >= 8) values.push(value);
    } catch {
      // a variable this process may not read holds nothing we could print
    }
  }
  return values;
}

/** A value quoted for a message, hidden if it is or holds a secret (see {@linkcode clip}). */
export function quote(env: Readonly<Record<string, string | undefined>>, value: string): string {
  return JSON.stringify(clip(value, secretValues(env)));
}
