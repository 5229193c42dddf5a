/**
 * The `credential_process` document, what `credential-process` prints: the one output of the
 * common run, apart from the other formats (`./output.ts`), which only the commands that print them
 * load.
 *
 * @module
 */
import type { Credentials } from "../lib/credentials.ts";

/**
 * The `credential_process` document every AWS SDK and CLI reads (Version 1).
 * See https://docs.aws.amazon.com/sdkref/latest/guide/feature-process-credentials.html
 */
export function credentialProcessJson(credentials: Credentials): string {
  return JSON.stringify({
    Version: 1,
    AccessKeyId: credentials.accessKeyId,
    SecretAccessKey: credentials.secretAccessKey,
    SessionToken: credentials.sessionToken,
    Expiration: isoTime(credentials.expiration),
    AccountId: credentials.accountId,
  });
}

/**
 * What `date.toISOString()` returns, built from the date's UTC fields: the first toISOString of a
 * process costs V8 (Node, Deno) ~0.7 ms, more than the rest of the output. Years outside 0–9999 and
 * invalid dates are left to toISOString.
 */
export function isoTime(date: Date): string {
  const year = date.getUTCFullYear();
  if (!(year >= 0 && year <= 9999)) return date.toISOString();
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  return `${pad(year, 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}T${pad(date.getUTCHours())}:` +
    `${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}.${pad(date.getUTCMilliseconds(), 3)}Z`;
}
