/**
 * Reads the claims of a JWT without verifying it: for messages only (STS verifies the token).
 *
 * @module
 */
import type { TokenClaims } from "./errors.ts";
import { oneLine, redact } from "./_redact.ts";

/**
 * The claims trust policies test (`iss`, `aud`, `sub`, `exp`, `nbf`, `iat`), or `undefined` when the
 * token is not a readable JWT. Never throws and never returns the token.
 *
 * @example
 * ```ts
 * import { decodeClaims } from "oidc2aws";
 * const payload = btoa(JSON.stringify({ sub: "repo:o/r:ref:refs/heads/main", aud: "sts.amazonaws.com" }));
 * console.log(decodeClaims(`e30.${payload}.sig`)?.sub); // "repo:o/r:ref:refs/heads/main"
 * ```
 */
export function decodeClaims(token: string): TokenClaims | undefined {
  const p = decodePayload(token);
  if (!p) return undefined;
  const claims: TokenClaims = {};
  if (typeof p.iss === "string") claims.iss = p.iss;
  if (typeof p.aud === "string" || (Array.isArray(p.aud) && p.aud.every((a) => typeof a === "string"))) {
    claims.aud = p.aud as string | string[];
  }
  if (typeof p.sub === "string") claims.sub = p.sub;
  for (const key of ["exp", "nbf", "iat"] as const) if (typeof p[key] === "number") claims[key] = p[key] as number;
  return claims;
}

/**
 * Every claim of a JWT's payload (not verified), or `undefined` when the token is not a readable
 * JWT. Never throws. For `oidc2aws doctor`, which tests the claims a trust policy may name. @internal
 */
export function decodePayload(token: string): Record<string, unknown> | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const bytes = base64UrlDecode(parts[1]);
    if (!bytes) return undefined;
    const payload: unknown = JSON.parse(utf8(bytes));
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return undefined;
    return payload as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** `iss=…, aud=…, sub=…, exp=… (expired)[, nbf=… (not yet valid)]`, for messages. @internal */
export function describeClaims(claims: TokenClaims, now: number): string {
  const parts: string[] = [];
  if (claims.iss !== undefined) parts.push(`iss=${claims.iss}`);
  if (claims.aud !== undefined) parts.push(`aud=${Array.isArray(claims.aud) ? claims.aud.join(",") : claims.aud}`);
  if (claims.sub !== undefined) parts.push(`sub=${claims.sub}`);
  if (claims.exp !== undefined) {
    const exp = new Date(claims.exp * 1000);
    const expired = Number.isNaN(exp.getTime()) ? "" : claims.exp * 1000 <= now ? " (expired)" : "";
    parts.push(`exp=${Number.isNaN(exp.getTime()) ? claims.exp : exp.toISOString()}${expired}`);
  }
  // nbf only when it explains a refusal: a token not valid yet (a clock ahead of STS's, or skew).
  const nbf = claims.nbf === undefined ? undefined : new Date(claims.nbf * 1000);
  if (nbf && !Number.isNaN(nbf.getTime()) && nbf.getTime() > now) {
    parts.push(`nbf=${nbf.toISOString()} (not yet valid)`);
  }
  // Claims are the token server's text: one line, token-like runs hidden.
  return oneLine(redact(parts.join(", ")));
}

/**
 * UTF-8 bytes as text, as TextDecoder reads them (an invalid sequence becomes U+FFFD), without its
 * cost in the common case (the first TextDecoder of a process costs Node ~1.5 ms): ASCII bytes are
 * their own characters; otherwise `%` and every non-ASCII byte are percent-encoded for
 * decodeURIComponent, which reads valid UTF-8 and throws on anything else; only then is TextDecoder used.
 */
function utf8(bytes: Uint8Array): string {
  let ascii = true;
  for (let i = 0; i < bytes.length && ascii; i++) ascii = bytes[i] < 0x80;
  if (ascii) {
    let text = "";
    for (let i = 0; i < bytes.length; i += 4096) {
      text += String.fromCharCode.apply(null, bytes.subarray(i, i + 4096) as unknown as number[]);
    }
    return text;
  }
  let encoded = "";
  for (const byte of bytes) {
    encoded += byte < 0x80 && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).padStart(2, "0")}`;
  }
  try {
    return decodeURIComponent(encoded);
  } catch {
    return new TextDecoder().decode(bytes);
  }
}

/**
 * Base64url (or base64) to bytes; undefined if invalid. By hand, not atob: the first atob costs Deno
 * ~3 ms (it loads its base64 module), and this loop does one comparison chain per character.
 */
function base64UrlDecode(text: string): Uint8Array | undefined {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0x3d) end--; // trailing "=" padding
  const bytes = new Uint8Array(Math.floor((end * 3) / 4));
  let buffer = 0;
  let bits = 0;
  let at = 0;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    const value = c >= 0x41 && c <= 0x5a // A-Z
      ? c - 0x41
      : c >= 0x61 && c <= 0x7a // a-z
      ? c - 0x47
      : c >= 0x30 && c <= 0x39 // 0-9
      ? c + 4
      : c === 0x2d || c === 0x2b // - or +
      ? 62
      : c === 0x5f || c === 0x2f // _ or /
      ? 63
      : -1;
    if (value < 0) return undefined;
    buffer = (buffer << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[at++] = (buffer >> bits) & 0xff;
    }
  }
  return bytes.subarray(0, at);
}
