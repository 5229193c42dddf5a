/**
 * Which proxy, if any, a request goes through: `HTTPS_PROXY` / `HTTP_PROXY` and `NO_PROXY` read
 * with the rules curl and botocore share. Pure and web-standard: the runtime adapters apply the
 * decision (a `CONNECT` tunnel on Node, a client on Deno, the `proxy` option on Bun).
 *
 * @module
 */
import { ConfigError } from "./errors.ts";
import type { Env } from "./host.ts";
import { isLoopback } from "./_http.ts";

/** What {@linkcode proxyFor} decided: a proxy (`http://host:port`, with its credentials if any) or `"direct"`. */
export type ProxyDecision = { proxy: URL } | "direct";

/** The environment variables that choose a proxy, lower case first (it wins, as in curl and botocore). */
export const PROXY_VARIABLES: readonly string[] = [
  "https_proxy",
  "HTTPS_PROXY",
  "http_proxy",
  "HTTP_PROXY",
  "no_proxy",
  "NO_PROXY",
];

/** Whether any proxy variable is set (not empty): when none is, every request is direct. @internal */
export function proxyConfigured(env: Env): boolean {
  return !!(env.https_proxy || env.HTTPS_PROXY || env.http_proxy || env.HTTP_PROXY);
}

/**
 * The proxy for a request to `url`, or `"direct"`:
 * - an `https:` URL uses `https_proxy` / `HTTPS_PROXY`, an `http:` URL `http_proxy` / `HTTP_PROXY`
 *   (the lower-case name wins when both are set; an empty value is no proxy);
 * - a loopback host (127.0.0.0/8, ::1, `localhost`) is always direct, whatever the variables say;
 * - `no_proxy` / `NO_PROXY` is a comma-separated list: `*` (the whole value) makes everything direct; an entry
 *   matches the host itself and any name under it, with or without a leading dot (`example.com` and
 *   `.example.com` both match `example.com` and `a.example.com`, never `badexample.com`); an entry
 *   with `:port` matches that port only; an IP address matches itself (`10.0.0.7`, `::1` or `[::1]`).
 *   Names compare case-insensitively; spaces around entries are ignored.
 *
 * A proxy value without a scheme is `http://`, without a port `:80`; only `http://` proxies are supported (the tunnel to
 * an https target is TLS from end to end anyway). Throws `ERR_CONFIG_INVALID` for a value that is
 * not such a URL; the message names the variable, never its value (it may hold a password).
 *
 * @example
 * ```ts
 * import { proxyFor } from "oidc2aws";
 * const env = { HTTPS_PROXY: "http://proxy.corp:3128", NO_PROXY: ".internal" };
 * const decision = proxyFor("https://sts.us-east-1.amazonaws.com/", env);
 * console.log(decision === "direct" ? "direct" : decision.proxy.host); // "proxy.corp:3128"
 * console.log(proxyFor("https://vault.internal/", env)); // "direct"
 * ```
 */
export function proxyFor(url: string | URL, env: Env): ProxyDecision {
  const target = new URL(url);
  const names = target.protocol === "https:"
    ? ["https_proxy", "HTTPS_PROXY"]
    : target.protocol === "http:"
    ? ["http_proxy", "HTTP_PROXY"]
    : [];
  const name = names.find((n) => env[n] !== undefined && env[n] !== "");
  if (name === undefined || isLoopback(target)) return "direct";
  const proxy = parseProxy(env[name]!, name);
  const noProxy = env.no_proxy !== undefined && env.no_proxy !== "" ? env.no_proxy : env.NO_PROXY;
  return noProxy && bypassed(target, noProxy) ? "direct" : { proxy };
}

/** A proxy variable's value as an `http://host:port` URL (port 80, the URL's default, when none is given). */
function parseProxy(value: string, name: string): URL {
  const text = value.trim();
  let proxy: URL | undefined;
  try {
    proxy = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
  } catch {
    // Below: the message must not quote the value.
  }
  const problem = !proxy || proxy.hostname === ""
    ? "is not a proxy URL: use http://host:port (or http://user:password@host:port)"
    : proxy.protocol !== "http:"
    ? `has the scheme ${
      proxy.protocol.slice(0, 10)
    }, which oidc2aws does not support: use an http:// proxy (https targets are tunnelled with CONNECT, TLS from end to end)`
    : proxy.pathname !== "/" || proxy.search !== "" || proxy.hash !== ""
    ? "has a path, query or fragment: use http://host:port"
    : undefined;
  if (problem) throw ConfigError.invalid({ envVar: name }, problem);
  return proxy!;
}

/** Whether `no_proxy` sends this URL direct. */
function bypassed(target: URL, noProxy: string): boolean {
  const host = bare(target.hostname.toLowerCase());
  const port = target.port || (target.protocol === "https:" ? "443" : "80");
  // `*` is the whole value or nothing (curl and urllib agree: an entry `*` in a list matches no host).
  if (noProxy.trim() === "*") return true;
  for (const raw of noProxy.split(",")) {
    let entry = raw.trim().toLowerCase();
    if (entry === "" || entry === "*") continue;
    let entryPort: string | undefined;
    // [v6]:port, v4-or-name:port; a bare IPv6 address (two or more colons) has no port.
    const bracketed = entry.match(/^\[([^\]]+)\](?::(\d+))?$/);
    if (bracketed) [, entry, entryPort] = bracketed;
    else if (/^[^:]+:\d+$/.test(entry)) [entry, entryPort] = entry.split(":");
    if (entryPort !== undefined && entryPort !== port) continue;
    entry = entry.replace(/^\*?\.+/, "").replace(/\.$/, "");
    if (entry === "") continue;
    if (host === entry) return true;
    // A suffix on a label boundary, for names only (an address matches only itself).
    if (!host.includes(":") && !/^\d+(\.\d+){3}$/.test(host) && host.endsWith(`.${entry}`)) return true;
  }
  return false;
}

/** An IPv6 hostname without its brackets. */
function bare(hostname: string): string {
  return hostname.startsWith("[") ? hostname.slice(1, -1) : hostname;
}

/**
 * A proxy for messages and `--debug`: `host:port`, never its credentials. @internal
 */
export function displayProxy(proxy: URL): string {
  return `${proxy.hostname}:${proxyPort(proxy)}`;
}

/** The proxy's port: 80 when the URL gives none. @internal */
export function proxyPort(proxy: URL): number {
  return Number(proxy.port || "80");
}
