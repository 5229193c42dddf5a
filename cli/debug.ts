/**
 * `--debug` (or `RUNNER_DEBUG=1`): each step's timing on stderr. Imported only when debugging.
 *
 * @module
 */
import { displayUrl } from "../lib/_http.ts";
import type { Fetch, ReadFile } from "../lib/host.ts";
import type { WebIdentityProfile } from "../lib/profile.ts";
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

/** A resolved profile in one line: role, session, token source and STS endpoint (no secret). */
export async function describeProfile(profile: WebIdentityProfile): Promise<string> {
  return `profile "${profile.name}": role ${profile.roleArn}, session ${profile.roleSessionName}, ` +
    `token from ${await describeTokenSpec(profile.token)}, STS ${displayUrl(profile.stsEndpoint)}`;
}
