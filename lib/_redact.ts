// Keeping secrets out of messages: the one place that decides what looks like a token or a key.
import { SOURCES } from "./sources/registry.ts";
import { formEncode } from "./_form.ts";

/** JWTs: a base64url header that starts with `{"` (eyJ), a payload, and maybe a signature. */
const JWT = /\beyJ[\w-]*\.[\w-]*(?:\.[\w-]*)?/g;
/** A whole value shaped like a JWT without the usual header: three long base64url parts. */
const JWT_SHAPE = /^[\w-]{8,}\.[\w-]{8,}\.[\w-]*$/;
/** Long runs of base64: keys, session tokens. */
const LONG_BASE64 = /[A-Za-z0-9+/=]{40,}/g;

/** What a runner or a terminal takes for the end of a line. */
const LINE_BREAK = /\r\n|[\r\n\u0085\u2028\u2029]/;

/** Random base64 mixes cases and digits and has few slashes; a path has a slash every few characters. */
function looksRandom(run: string): boolean {
  const slashes = run.split("/").length - 1;
  return /[a-z]/.test(run) && /[A-Z]/.test(run) && /\d/.test(run) && slashes <= run.length / 12;
}

/**
 * Replaces the given secrets (each of their lines too, and their URL- and form-encoded forms), JWTs
 * and long base64 runs with `<redacted>`.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  for (const secret of secrets.flatMap((s) => [s, ...s.split(LINE_BREAK)])) {
    const needle = secret.trim();
    if (needle.length < 4) continue;
    // As sent, and as a server echoes what it received in a URL or a form body.
    for (
      const form of new Set([
        needle,
        encodeURIComponent(needle),
        formEncode(needle),
      ])
    ) {
      text = text.split(form).join("<redacted>");
    }
  }
  return text.replace(JWT, "<redacted>").replace(LONG_BASE64, (run) => (looksRandom(run) ? "<redacted>" : run));
}

/**
 * A word a server chose (an error code, a request id, an element name, a JSON key, a content type),
 * fit to show in a message: the whole value has the expected `shape`, and holds neither a secret, nor
 * a piece of one, nor anything token-like; else `undefined`, and the caller says it is not shown.
 */
export function serverWord(
  value: string | null | undefined,
  shape: RegExp,
  secrets: readonly string[] = [],
): string | undefined {
  if (!value || !shape.test(value) || redact(value, secrets) !== value) return undefined;
  const partOfSecret = value.length >= 8 && secrets.some((secret) => secret.includes(value));
  return partOfSecret ? undefined : value;
}

/** A media type with parameters, as RFC 9110 spells them. */
const MEDIA_TYPE =
  /^[\w!#$&^.+-]{1,64}\/[\w!#$&^.+-]{1,64}(?:\s*;\s*[\w!#$&^.+-]{1,32}=(?:[\w!#$&^.+-]{1,64}|"[\w !#$&^.+/=-]{0,64}"))*$/;

/** An answer's content type fit to show: a plain media type without a secret, else a placeholder. */
export function shownContentType(contentType: string, secrets: readonly string[] = []): string {
  if (!contentType) return "no content type";
  return serverWord(contentType.trim(), MEDIA_TYPE, secrets) ?? "a content type not shown";
}

/**
 * Text on one line: control characters and line separators (U+0085, U+2028, U+2029) escaped as
 * `\n`, `\r`, `\u001b`…, so that nothing from outside can start a line of output, where a CI runner
 * would read it as a command (`::stop-commands::`, `##vso[…]`).
 */
export function oneLine(text: string): string {
  // deno-lint-ignore no-control-regex -- finding control characters is the point
  return text.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/g, (c) => {
    const named: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
    return named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}

/** A short, single-line excerpt of an answer body (tags dropped), with secrets redacted. */
export function bodyExcerpt(body: string, secrets: readonly string[] = []): string {
  const text = oneLine(redact(body.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim(), secrets));
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

/**
 * A configuration value fit to quote in a message: trimmed and shortened; a value that holds a
 * token, or a run of 20+ base64 characters mixing upper case, lower case and digits with few
 * slashes (a key, a bearer; a path has a slash every few characters), or one of the known
 * `secrets`, is not shown at all. Display only: what a value is used for never depends on it.
 */
export function clip(value: string, secrets: readonly string[] = []): string {
  value = value.trim();
  if (secrets.some((secret) => value.includes(secret))) return "<a secret, not shown>";
  if (JWT_SHAPE.test(value) || new RegExp(JWT.source).test(value)) return "<a token, not shown>";
  const runs = value.match(/[A-Za-z0-9+/=]{20,}/g) ?? [];
  if (runs.some(looksRandom)) {
    return "<a secret-looking value, not shown>";
  }
  return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}

/** Names of environment variables that hold secrets: bearers, tokens, keys. */
const SECRET_NAME = /TOKEN|SECRET|PASSWORD|ACCESSKEY|ACCESS_KEY|CREDENTIAL/i;

/**
 * Variables whose names look secret but that hold settings: which variable, server or file gives the
 * token. (A token command's line may hold a secret, so AWS_WEB_IDENTITY_TOKEN_PROCESS stays hidden.)
 */
const SETTINGS = new Set([
  "AWS_WEB_IDENTITY_TOKEN_ENV",
  "AWS_WEB_IDENTITY_TOKEN_SERVER",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
]);

/** Secret variables read by name where the environment cannot be listed: AWS's, and each source's. */
function knownSecrets(): string[] {
  return ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", ...SOURCES.flatMap((entry) => entry.secrets ?? [])];
}

/** The values of the environment's secret-named variables (8 characters or more), to keep out of messages. */
export function secretValues(env: Readonly<Record<string, string | undefined>>): string[] {
  let names: string[];
  try {
    names = Object.keys(env).filter((name) => SECRET_NAME.test(name) && !SETTINGS.has(name));
  } catch {
    names = knownSecrets(); // Deno with a narrow --allow-env cannot list the environment
  }
  const values: string[] = [];
  for (const name of names) {
    try {
      const value = env[name]?.trim();
      if (value && value.length >= 8) values.push(...secretParts(value));
    } catch {
      // a variable this process may not read holds nothing we could print
    }
  }
  return values;
}

/**
 * What to keep out of messages of a secret variable's value: the whole value, but of an http(s) URL
 * (a token request URL) only its query and user info, so that messages can say which host and path
 * were asked; nothing of a file's path.
 */
function secretParts(value: string): string[] {
  // A file's path (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_SHARED_CREDENTIALS_FILE) names a secret; it is not one.
  if (/^(?:~?\/|[A-Za-z]:\\)/.test(value) && !looksRandom(value)) return [];
  if (!/^https?:\/\//i.test(value)) return [value];
  try {
    const url = new URL(value);
    return [url.search.slice(1), url.username, url.password].filter((part) => part.length >= 4);
  } catch {
    return [value];
  }
}

/** A value quoted for a message, hidden if it is or holds a secret (see {@linkcode clip}). */
export function quote(env: Readonly<Record<string, string | undefined>>, value: string): string {
  return JSON.stringify(clip(value, secretValues(env)));
}
