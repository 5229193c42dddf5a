// What the token source tests share: a token, and the helpers that check each source's
// `web_identity_token_server` names, its detection and its fix the same way in every file. A source's
// cases live in its own file (`<source>_test.ts`); the rules across sources in registry_test.ts.
import { it } from "node:test";
import assert from "node:assert/strict";
import { detectTokenSource, parseTokenServer, type TokenSpec } from "../../../mod.ts";
import { fakeJwt, instantClock, scriptedFetch } from "../../_helpers.ts";

/** A JWT-shaped token (`aud` sts.amazonaws.com). */
export const TOKEN: string = fakeJwt({ sub: "x", aud: "sts.amazonaws.com" });

/** A `parses "<value>"` test for each row: what `parseTokenServer(value)` returns. */
export function parses(cases: Array<[string, TokenSpec]>): void {
  for (const [value, expected] of cases) {
    it(`parses ${JSON.stringify(value)}`, () => assert.deepEqual(parseTokenServer(value), expected));
  }
}

/** A `detects <platform>` test: `auto` in this environment finds the spec's type (and variable, or server name). */
export function detects(platform: string, env: Record<string, string>, type: string, variable?: string): void {
  it(`detects ${platform}`, async () => {
    const spec = await detectTokenSource(env);
    assert.equal(spec.type, type);
    if (variable) assert.equal((spec as { name: string }).name, variable);
    if (spec.type === "server") assert.equal(spec.name, platform);
  });
}

/** Detection in this environment stops with ERR_TOKEN_UNAVAILABLE, its message matching `pattern` (the fix). */
export function fails(env: Record<string, string>, pattern: RegExp): Promise<void> {
  return assert.rejects(
    detectTokenSource(env),
    (err: Error & { code?: string }) => err.code === "ERR_TOKEN_UNAVAILABLE" && pattern.test(err.message),
  );
}

/** The getToken options of one describe's cases: its env, a scripted fetch (by default one that answers nothing), one instant clock. */
export function sourceHost() {
  const clock = instantClock();
  return (env: Record<string, string>, fetch = scriptedFetch({}).fetch) => ({
    env,
    fetch,
    now: clock.now,
    sleep: clock.sleep,
    random: clock.random,
  });
}
