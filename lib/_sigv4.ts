/**
 * AWS Signature Version 4, client side, on WebCrypto (`crypto.subtle`: SHA-256 and HMAC): what the
 * signed `sts:AssumeRole` call of a chained profile needs. Imported only when a chained profile is
 * assumed: the web identity path (an unsigned call) never loads it. Nothing runs at module load.
 *
 * Rules: https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html (canonical
 * request, string to sign, signing key). Checked against AWS's published test suite
 * (tests/lib/sigv4_test.ts).
 *
 * @module
 * @internal
 */

/** The keys a request is signed with. The secret key and session token are never put in a message. @internal */
export interface SigningKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** A request to sign: every header given is signed (with `host` from the URL unless given). @internal */
export interface UnsignedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Where and when a signature applies. @internal */
export interface SigningScope {
  region: string;
  service: string;
  /** The signing time, epoch milliseconds. */
  now: number;
}

/** What signing computes, for tests and the caller: the headers to send and the intermediate texts. @internal */
export interface Signed {
  /** The request's headers plus `x-amz-date`, `x-amz-security-token` (with a session token) and `authorization`. */
  headers: Record<string, string>;
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
}

const ALGORITHM = "AWS4-HMAC-SHA256";

/**
 * Signs a request: adds `x-amz-date` (and `x-amz-security-token`), then `authorization`. The
 * payload hash is over `body` as UTF-8. `host` is signed as the URL's host unless a `host` header is
 * given (fetch sends the URL's host itself: it is not added to the headers to send).
 * @internal
 */
export async function signRequest(request: UnsignedRequest, keys: SigningKeys, scope: SigningScope): Promise<Signed> {
  const url = new URL(request.url);
  const amzDate = new Date(Math.floor(scope.now / 1000) * 1000).toISOString().replace(/[-:]|\.\d{3}/g, "");
  const date = amzDate.slice(0, 8);
  const sent: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) sent[name.toLowerCase()] = value;
  sent["x-amz-date"] = amzDate;
  if (keys.sessionToken !== undefined) sent["x-amz-security-token"] = keys.sessionToken;
  const signed: Record<string, string> = { host: url.host, ...sent };
  const names = Object.keys(signed).sort();
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalUri(url.pathname),
    canonicalQuery(url.search.slice(1)),
    names.map((name) => `${name}:${signed[name].trim().replace(/\s+/g, " ")}\n`).join(""),
    names.join(";"),
    await sha256Hex(request.body),
  ].join("\n");
  const credentialScope = `${date}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = [ALGORITHM, amzDate, credentialScope, await sha256Hex(canonicalRequest)].join("\n");
  let key: Uint8Array = new TextEncoder().encode(`AWS4${keys.secretAccessKey}`);
  for (const part of [date, scope.region, scope.service, "aws4_request"]) key = await hmac(key, part);
  const signature = hex(await hmac(key, stringToSign));
  sent.authorization = `${ALGORITHM} Credential=${keys.accessKeyId}/${credentialScope}, ` +
    `SignedHeaders=${names.join(";")}, Signature=${signature}`;
  return { headers: sent, canonicalRequest, stringToSign, signature };
}

/** RFC 3986 encoding as SigV4 wants it: everything but `A-Za-z0-9-_.~`, uppercase hex. */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The path normalized (no empty, `.` or `..` segments) and each segment encoded once. */
function canonicalUri(pathname: string): string {
  const segments: string[] = [];
  for (const segment of pathname.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(uriEncode(decode(segment)));
  }
  const path = `/${segments.join("/")}`;
  return segments.length > 0 && pathname.endsWith("/") ? `${path}/` : path;
}

/** Parameters decoded, re-encoded, sorted by name then value (code unit order, as AWS sorts). */
function canonicalQuery(query: string): string {
  const pairs = query.split("&").filter((pair) => pair !== "").map((pair) => {
    const eq = pair.indexOf("=");
    const name = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? "" : pair.slice(eq + 1);
    return `${uriEncode(decode(name))}=${uriEncode(decode(value))}`;
  });
  return pairs.sort((a, b) => {
    const [an, av] = a.split("=");
    const [bn, bv] = b.split("=");
    return an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0;
  }).join("&");
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

async function sha256Hex(text: string): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))));
}

async function hmac(key: Uint8Array, data: string): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey(
    "raw",
    key as Uint8Array<ArrayBuffer>,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, new TextEncoder().encode(data)));
}

function hex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}
