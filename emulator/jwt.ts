/**
 * RS256 JSON Web Tokens with WebCrypto: the emulator's signing key, signing,
 * decoding and signature checks.
 *
 * RS256 is RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3); the compact form is
 * `base64url(header).base64url(claims).base64url(signature)` (RFC 7515 §7.1).
 *
 * @module
 */

/** A public JWK as published at `/.well-known/jwks`. */
export interface PublicJwk {
  kty: "RSA";
  n: string;
  e: string;
  kid: string;
  alg: "RS256";
  use: "sig";
}

/** An RSA key pair with its key id and public JWK. */
export interface SigningKey {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  kid: string;
  jwk: PublicJwk;
}

/** JWT claims: a JSON object. */
export type Claims = Record<string, unknown>;

/** A token split into its parts; nothing in it is verified yet. */
export interface DecodedJwt {
  header: Claims;
  claims: Claims;
  signingInput: string;
  signature: Uint8Array;
}

const RS256 = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;
const encoder = new TextEncoder();

/** Generates a 2048-bit RS256 key; its kid is the RFC 7638 JWK thumbprint. */
export async function generateSigningKey(): Promise<SigningKey> {
  const pair = await crypto.subtle.generateKey(
    { ...RS256, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ["sign", "verify"],
  ) as CryptoKeyPair;
  const { n, e } = await crypto.subtle.exportKey("jwk", pair.publicKey) as JsonWebKey;
  // RFC 7638 §3.2: the required members in lexicographic order, no whitespace.
  const thumbprint = await crypto.subtle.digest("SHA-256", encoder.encode(`{"e":"${e}","kty":"RSA","n":"${n}"}`));
  const kid = base64url(new Uint8Array(thumbprint));
  return {
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    kid,
    jwk: { kty: "RSA", n: n!, e: e!, kid, alg: "RS256", use: "sig" },
  };
}

let shared: Promise<SigningKey> | undefined;
let foreign: Promise<SigningKey> | undefined;

/**
 * The process-wide emulator key, generated on first use. RSA key generation takes
 * 50–500 ms, so emulators in one process share a key; their tokens still differ
 * by issuer (each emulator's own URL), which STS checks.
 */
export function sharedSigningKey(): Promise<SigningKey> {
  return shared ??= generateSigningKey();
}

/** A second key that no emulator trusts, to forge tokens in tests. */
export function foreignSigningKey(): Promise<SigningKey> {
  return foreign ??= generateSigningKey();
}

/** Signs `claims` as a compact RS256 JWT; `kid` defaults to the key's own. */
export async function signJwt(key: SigningKey, claims: Claims, kid: string = key.kid): Promise<string> {
  const header = { alg: "RS256", typ: "JWT", kid };
  const input = `${base64url(encoder.encode(JSON.stringify(header)))}.${
    base64url(encoder.encode(JSON.stringify(claims)))
  }`;
  const signature = await crypto.subtle.sign(RS256, key.privateKey, encoder.encode(input));
  return `${input}.${base64url(new Uint8Array(signature))}`;
}

/** Splits and parses a compact JWT; `undefined` when it is not one. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split(".");
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return undefined;
  try {
    const header = JSON.parse(new TextDecoder().decode(fromBase64url(parts[0])));
    const claims = JSON.parse(new TextDecoder().decode(fromBase64url(parts[1])));
    if (!isObject(header) || !isObject(claims)) return undefined;
    return { header, claims, signingInput: `${parts[0]}.${parts[1]}`, signature: fromBase64url(parts[2]) };
  } catch {
    return undefined;
  }
}

/** True when `jwt` is RS256, names `key`'s kid, and its signature verifies with `key`. */
export async function verifyJwtSignature(key: SigningKey, jwt: DecodedJwt): Promise<boolean> {
  if (jwt.header.alg !== "RS256" || jwt.header.kid !== key.kid) return false;
  return await crypto.subtle.verify(
    RS256,
    key.publicKey,
    jwt.signature as Uint8Array<ArrayBuffer>,
    encoder.encode(jwt.signingInput),
  );
}

/** Base64url without padding (RFC 4648 §5). */
export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function isObject(value: unknown): value is Claims {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
