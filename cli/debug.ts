/**
 * `--debug` (or `RUNNER_DEBUG=1`): each step's timing on stderr. Imported only when debugging.
 *
 * @module
 */
import { displayUrl } from "../lib/_http.ts";
import type { Fetch, ReadFile } from "../lib/host.ts";
import type { Profile } from "../lib/profile.ts";
import { describeTokenSpec } from "../lib/token.ts";

/** Wraps fetch and readFile to log each step's timing (never a header, body or query string). */
export function timed(
  host: { fetch: Fetch; readFile: ReadFile },
  log: (message: string) => void,
): { fetch: Fetch; readFile: ReadFile } {
  const clock = () => (globalThis.performance ?? Date).now();
  return {
    fetch: async (url, init) => {
      const start = clock();
      try {
        const response = await host.fetch(url, init);
        log(
          `${init.method} ${displayUrl(url)} → HTTP ${response.status} (${(clock() - start).toFixed(1)} ms to headers)`,
        );
        return response;
      } catch (err) {
        log(`${init.method} ${displayUrl(url)} failed after ${(clock() - start).toFixed(1)} ms`);
        throw err;
      }
    },
    readFile: async (path) => {
      const start = clock();
      const text = await host.readFile(path);
      const what = text === undefined ? "no such file" : `${text.length} characters`;
      log(`read ${path}: ${what} (${(clock() - start).toFixed(1)} ms)`);
      return text;
    },
  };
}

/** A resolved profile in one line: role, session, token source and STS endpoint (no secret); a chain hop by hop. */
export async function describeProfile(profile: Profile): Promise<string> {
  const from = !("source" in profile)
    ? `token from ${await describeTokenSpec(profile.token)}`
    : "credentialSource" in profile.source
    ? "assumed with the keys in AWS_ACCESS_KEY_ID (credential_source = Environment)"
    : `assumed with the credentials of source profile "${profile.source.name}"`;
  const line = `profile "${profile.name}": role ${profile.roleArn}, session ${profile.roleSessionName}, ${from}, ` +
    `STS ${displayUrl(profile.stsEndpoint)}`;
  return "source" in profile && "name" in profile.source ? `${await describeProfile(profile.source)}; ${line}` : line;
}
