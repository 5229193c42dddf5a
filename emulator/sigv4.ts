/**
 * AWS Signature Version 4, server side: parse the `Authorization` header and
 * recompute the signature the client should have made.
 *
 * Rules from https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 * (canonical request, string to sign, signing key derivation).
 *
 * @module
 */

import { toHex } from "./_util.ts";

/** The parts of a request that a SigV4 signature covers. */
export interface SignableRequest {
  method: string;
  /** The path as sent on the wire (still percent-encoded), without the query. */
  path: string;
  /** The query string as sent, without `?`. */
  rawQuery: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A parsed `Authorization: AWS4-HMAC-SHA256 …` header. */
export interface SigV4Auth {
  accessKeyId: string;
  /** `yyyymmdd/region/service/aws4_request` */
  scope: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  /** `x-amz-date` (or `date`), `yyyymmddThhmmssZ`. */
  amzDate: string;
}

/** Why a request's authentication was refused, as AWS words it. */
export interface SigV4Problem {
  status: number;
  code: string;
  message: string;
}

const ALGORITHM = "AWS4-HMAC-SHA256";
const encoder = new TextEncoder();

/** Parses the SigV4 header; a {@link SigV4Problem} when it is missing or malformed. */
export function parseSigV4(request: SignableRequest): SigV4Auth | SigV4Problem {
  const authorization = headerValue(request.headers, "authorization");
  if (authorization === undefined) {
    return { status: 403, code: "MissingAuthenticationToken", message: "Request is missing Authentication Token" };
  }
  if (!authorization.startsWith(`${ALGORITHM} `)) {
    return {
      status: 400,
      code: "IncompleteSignature",
      message: `Unsupported authorization type; expected ${ALGORITHM}`,
    };
  }
  const fields = new Map<string, string>();
  for (const part of authorization.slice(ALGORITHM.length).split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ["Credential", "SignedHeaders", "Signature"].filter((name) => !fields.get(name));
  if (missing.length > 0) {
    return {
      status: 400,
      code: "IncompleteSignature",
      message: missing.map((name) => `Authorization header requires '${name}' parameter.`).join(" "),
    };
  }
  // Credential = AKID/yyyymmdd/region/service/aws4_request
  const [accessKeyId, date, region, service, terminal, ...rest] = fields.get("Credential")!.split("/");
  if (
    !accessKeyId || !/^\d{8}$/.test(date ?? "") || !region || !service || terminal !== "aws4_request" || rest.length > 0
  ) {
    return {
      status: 400,
      code: "IncompleteSignature",
      message: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term",
    };
  }
  const amzDate = headerValue(request.headers, "x-amz-date") ?? headerValue(request.headers, "date");
  if (amzDate === undefined || !/^\d{8}T\d{6}Z$/.test(amzDate)) {
    return {
      status: 400,
      code: "IncompleteSignature",
      message: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    };
  }
  return {
    accessKeyId,
    scope: `${date}/${region}/${service}/${terminal}`,
    date,
    region,
    service,
    signedHeaders: fields.get("SignedHeaders")!.split(";"),
    signature: fields.get("Signature")!,
    amzDate,
  };
}

/** The signature a client holding `secretAccessKey` would have computed for `request`. */
export async function expectedSignature(
  request: SignableRequest,
  auth: SigV4Auth,
  secretAccessKey: string,
): Promise<string> {
  const canonicalRequest = [
    request.method,
    canonicalUri(request.path),
    canonicalQuery(request.rawQuery),
    auth.signedHeaders.map((name) => `${name}:${canonicalHeaderValue(request.headers[name])}\n`).join(""),
    auth.signedHeaders.join(";"),
    // The payload hash is computed from the body received, never trusted from x-amz-content-sha256.
    toHex(await crypto.subtle.digest("SHA-256", encoder.encode(request.body))),
  ].join("\n");
  const stringToSign = [
    ALGORITHM,
    auth.amzDate,
    auth.scope,
    toHex(await crypto.subtle.digest("SHA-256", encoder.encode(canonicalRequest))),
  ].join("\n");
  // kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")
  let key: Uint8Array = encoder.encode(`AWS4${secretAccessKey}`);
  for (const part of [auth.date, auth.region, auth.service, "aws4_request"]) key = await hmac(key, part);
  return toHex(await hmac(key, stringToSign));
}

/** `yyyymmddThhmmssZ` to epoch ms. */
export function parseAmzDate(amzDate: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate)!;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
}

/** Epoch ms to `yyyymmddThhmmssZ`. */
export function formatAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

async function hmac(key: Uint8Array, data: string): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey(
    "raw",
    key as Uint8Array<ArrayBuffer>,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(data)));
}

/** RFC 3986 encoding as SigV4 wants it: everything but `A-Za-z0-9-_.~`, uppercase hex. */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Services other than S3 normalize the path and encode each segment once more
 * (the wire path is already encoded once, so the canonical form is encoded twice).
 */
function canonicalUri(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split("/").slice(1)) {
    if (segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  return `/${segments.map(uriEncode).join("/")}`;
}

/** Parameters decoded, re-encoded, sorted by name then value; the signature itself left out. */
function canonicalQuery(rawQuery: string): string {
  if (rawQuery === "") return "";
  const pairs = rawQuery.split("&").filter(Boolean).map((pair) => {
    const eq = pair.indexOf("=");
    const name = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? "" : pair.slice(eq + 1);
    return [uriEncode(safeDecode(name)), uriEncode(safeDecode(value))];
  }).filter(([name]) => name !== "X-Amz-Signature");
  pairs.sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join("&");
}

/** Values trimmed, inner runs of spaces collapsed, repeated headers joined by commas. */
function canonicalHeaderValue(value: string | string[] | undefined): string {
  const values = Array.isArray(value) ? value : [value ?? ""];
  return values.map((v) => v.trim().replace(/ +/g, " ")).join(",");
}

function headerValue(headers: SignableRequest["headers"], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
