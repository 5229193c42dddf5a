// setQuery sets a token request's query parameter as URLSearchParams.set does (the oracle here),
// without touching url.searchParams (a cold start's cost), and leaves the other parameters as written.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { setQuery } from "../../../lib/sources/_request.ts";

/** What URLSearchParams.set makes of `href`. */
function oracle(href: string, name: string, value: string): URL {
  const url = new URL(href);
  url.searchParams.set(name, value);
  return url;
}

function ours(href: string, name: string, value: string): URL {
  const url = new URL(href);
  setQuery(url, name, value);
  return url;
}

describe("setQuery", () => {
  it("writes what URLSearchParams.set writes for a query already in its form", () => {
    const cases: [string, string, string][] = [
      ["https://token.example/t?api-version=2.0", "audience", "sts.amazonaws.com"],
      ["https://token.example/t", "audience", "sts.amazonaws.com"],
      ["https://token.example/t?", "audience", "api://AzureADTokenExchange"],
      ["https://token.example/t?audience=old&x=1&audience=older", "audience", "new"],
      ["https://token.example/t?x=1&audience=old", "audience", "a b!'()~*-._"],
      ["https://token.example/t?x=1#fragment", "audience", "é,ü/?&=#%+"],
      ["http://127.0.0.1:8080/t?api-version=7.1&serviceConnectionId=a", "serviceConnectionId", "b c"],
      ["http://metadata.google.internal/x?audience=a&format=full", "format", "full"],
    ];
    for (const [href, name, value] of cases) {
      assert.equal(ours(href, name, value).href, oracle(href, name, value).href, `${href} ${name}=${value}`);
    }
  });

  it("compares names decoded, as URLSearchParams does", () => {
    for (
      const href of [
        "https://t.example/?aud%69ence=old",
        "https://t.example/?a+b=1&a%20b=2",
        "https://t.example/?%zz=1",
        "https://t.example/?%20%zz=1",
        "https://t.example/?%A9=1&%C3%A9=2",
        "https://t.example/??=1",
      ]
    ) {
      for (const name of ["audience", "a b", "%zz", " %zz", "\uD800", "\uFFFD", "é", "?"]) {
        const got = [...ours(href, name, "v").searchParams];
        assert.deepEqual(got, [...oracle(href, name, "v").searchParams], `${href} ${name}`);
      }
    }
  });

  it("keeps the other parameters as written (URLSearchParams would rewrite them)", () => {
    const url = ours("https://t.example/t?sig=a%7Eb&empty&q=x%20y", "audience", "sts");
    assert.equal(url.search, "?sig=a%7Eb&empty&q=x%20y&audience=sts");
  });

  it("turns a lone surrogate into U+FFFD as URLSearchParams does, instead of throwing", () => {
    const href = "https://t.example/t?x=1";
    for (const value of ["\uD800", "a\uDC00b", "\uD83D\uDE00"]) {
      assert.equal(ours(href, "audience", value).href, oracle(href, "audience", value).href);
    }
  });

  it("agrees with URLSearchParams on the decoded parameters for random queries", () => {
    const piece = fc.constantFrom(
      "a",
      "b",
      "=",
      "&",
      "+",
      "%",
      "%20",
      "%3D",
      "%26",
      "%zz",
      " ",
      "é",
      "?",
      "~",
      "audience",
    );
    const text = (maxLength: number) => fc.array(piece, { maxLength }).map((parts) => parts.join(""));
    fc.assert(
      fc.property(text(8), fc.oneof(fc.constant("audience"), text(3)), text(4), (query, name, value) => {
        const href = `https://t.example/t?${query}`;
        const expected = oracle(href, name, value);
        const got = ours(href, name, value);
        assert.deepEqual([...got.searchParams], [...expected.searchParams], `${href} ${name}=${value}`);
        assert.equal(got.hash, expected.hash);
      }),
      { numRuns: 500 },
    );
  });
});
