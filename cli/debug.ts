/**
 * `--debug` (or `RUNNER_DEBUG=1`): each step's timing on stderr. Imported only when debugging.
 *
 * @module
 */
import { displayUrl } from "../lib/_http.ts";
import { type Env, type Fetch, NETWORK, type NetworkSettings, type ReadFile } from "../lib/host.ts";
import { displayProxy, proxyConfigured, proxyFor } from "../lib/proxy.ts";
import type { Profile } from "../lib/profile.ts";
import { describeTokenSpec } from "../lib/token.ts";

/**
 * Wraps fetch and readFile to log each step's timing (never a header, body or query string), and
 * how each request went: "direct" or "via proxy HOST:PORT" (never the proxy's credentials), as the
 * runtime's fetch decides it from the same variables.
 */
export function timed(
  host: { fetch: Fetch; readFile: ReadFile; env: Env },
  log: (message: string) => void,
): { fetch: Fetch; readFile: ReadFile } {
  return { fetch: timedFetch(host.fetch, host.env, log), readFile: timedRead(host.readFile, log) };
}

function timedFetch(fetch: Fetch, env: Env, log: (message: string) => void): Fetch {
  const clock = () => (globalThis.performance ?? Date).now();
  const wrapped: Fetch = async (url, init) => {
    const start = clock();
    const via = route(url, env);
    try {
      const response = await fetch(url, init);
      log(
        `${init.method} ${displayUrl(url)} → HTTP ${response.status} (${
          (clock() - start).toFixed(1)
        } ms to headers, ${via})`,
      );
      return response;
    } catch (err) {
      log(`${init.method} ${displayUrl(url)} failed after ${(clock() - start).toFixed(1)} ms (${via})`);
      throw err;
    }
  };
  // The runtime fetch's variant for a profile's CA bundle, timed too.
  const variant = (fetch as { [NETWORK]?: (settings: NetworkSettings) => Fetch })[NETWORK];
  return variant
    ? Object.assign(wrapped, { [NETWORK]: (settings: NetworkSettings) => timedFetch(variant(settings), env, log) })
    : wrapped;
}

/** "direct" or "via proxy HOST:PORT"; a proxy variable that is not a URL is reported by the request itself. */
function route(url: string, env: Env): string {
  try {
    // Deno: a variable it may not read counts as unset, as in its fetch.
    if (!proxyConfigured(env)) return "direct";
  } catch {
    return "direct";
  }
  try {
    const decision = proxyFor(url, env);
    return decision === "direct" ? "direct" : `via proxy ${displayProxy(decision.proxy)}`;
  } catch {
    return "proxy variable not valid";
  }
}

function timedRead(readFile: ReadFile, log: (message: string) => void): ReadFile {
  const clock = () => (globalThis.performance ?? Date).now();
  return async (path) => {
    const start = clock();
    const text = await readFile(path);
    const what = text === undefined ? "no such file" : `${text.length} characters`;
    log(`read ${path}: ${what} (${(clock() - start).toFixed(1)} ms)`);
    return text;
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
