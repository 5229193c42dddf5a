// setQuery sets a token request's query parameter as URLSearchParams.set does (the oracle here),
// without touching url.searchParams (a cold start's cost), and leaves the other parameters as written.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
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
      ]
    ) {
      for (const name of ["audience", "a b", "%zz"]) {
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
    const alphabet = ["a", "b", "=", "&", "+", "%", "%20", "%3D", "%26", "%zz", " ", "é", "?", "~", "audience"];
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const text = (length: number) => Array.from({ length }, () => alphabet[random(alphabet.length)]).join("");
    for (let i = 0; i < 500; i++) {
      const href = `https://t.example/t?${text(random(8))}`;
      const name = random(2) ? "audience" : text(1 + random(3));
      const value = text(random(4));
      const expected = oracle(href, name, value);
      const got = ours(href, name, value);
      assert.deepEqual([...got.searchParams], [...expected.searchParams], `${href} ${name}=${value}`);
      assert.equal(got.hash, expected.hash);
    }
  });
});
