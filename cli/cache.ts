/**
 * The `credential-process` cache: one file per (role settings, job) in a private directory, so a
 * job that runs `aws` fifty times calls STS once. Files are created 0600 in a 0700 directory and
 * written atomically; anything unexpected (wrong owner or mode, corrupt, expiring) is a miss.
 *
 * @module
 */
import type { Env } from "../lib/host.ts";
import type { Profile } from "../lib/profile.ts";
import type { RuntimeFs } from "../lib/_runtime/mod.ts";
import { VERSION } from "../lib/version.ts";

/** What a cache entry holds: the `credential_process` document. */
export interface CachedCredentials {
  Version: 1;
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  Expiration: string;
  AccountId?: string;
}

/** The directory for cache files: `OIDC2AWS_CACHE_DIR`, `$RUNNER_TEMP/oidc2aws`, else the user's cache directory. */
export function cacheDirectory(env: Env, platform: string): string | undefined {
  const join = (base: string, ...parts: string[]) =>
    [base.replace(/[/\\]+$/, ""), ...parts].join(platform === "win32" ? "\\" : "/");
  if (env.OIDC2AWS_CACHE_DIR) return env.OIDC2AWS_CACHE_DIR;
  if (env.RUNNER_TEMP) return join(env.RUNNER_TEMP, "oidc2aws");
  if (platform === "win32") return env.LOCALAPPDATA ? join(env.LOCALAPPDATA, "oidc2aws") : undefined;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, "oidc2aws");
  if (!env.HOME) return undefined;
  return platform === "darwin" ? join(env.HOME, "Library", "Caches", "oidc2aws") : join(env.HOME, ".cache", "oidc2aws");
}

/**
 * The cache key: a SHA-256 over every setting that shapes the call and over what binds the token
 * source to this job (the request bearer and URL, the token itself, or the token file's content;
 * see `tokenBinding`), so that a job can never pick up credentials another job assumed. A default
 * session name is left out: outside GitHub Actions it is `oidc2aws-<unix seconds>`, which would make
 * every call a miss.
 */
export async function cacheKey(profile: Profile, binding: unknown): Promise<string> {
  const material = JSON.stringify([VERSION, ...keyMaterial(profile), binding]);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(material));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The settings of a profile that shape its call; a chained profile's cover every hop of its chain. */
function keyMaterial(profile: Profile): unknown[] {
  const common = [
    profile.roleArn,
    profile.roleSessionNameIsDefault ? null : profile.roleSessionName,
  ];
  const call = [
    profile.stsEndpoint,
    profile.durationSeconds ?? null,
    profile.policy ?? null,
    profile.policyArns ?? null,
  ];
  if (!("source" in profile)) return [...common, profile.token, ...call];
  const source = "credentialSource" in profile.source ? [profile.source] : keyMaterial(profile.source);
  return [...common, "AssumeRole", ...call, profile.externalId ?? null, profile.signingRegion, source];
}

/** Options of the cache functions. */
export interface CacheOptions {
  fs: RuntimeFs;
  directory: string;
  /** This process's user id; `undefined` skips ownership checks (Windows). */
  uid: number | undefined;
  /** Whether ownership and mode can be checked at all (false on Windows). */
  checkOwner: boolean;
  now: () => number;
  /** An entry is used only while more than this many milliseconds remain. Default 5 minutes. */
  minimumLifetimeMs?: number;
  /** Reports why an entry was not used or written (for --debug). */
  note?: (message: string) => void;
}

/** Whether a path is ours and private (owner = us, no group/other permission bits). */
function isPrivate(stat: { uid: number; mode: number }, options: CacheOptions): boolean {
  if (!options.checkOwner) return true;
  return options.uid !== undefined && stat.uid === options.uid && (stat.mode & 0o077) === 0;
}

function entryPath(options: CacheOptions, key: string): string {
  return `${options.directory}${
    options.directory.endsWith("/") || options.directory.endsWith("\\") ? "" : "/"
  }${key}.json`;
}

/** Reads a cache entry; `undefined` for a miss of any kind. */
export async function readCache(key: string, options: CacheOptions): Promise<CachedCredentials | undefined> {
  const note = options.note ?? (() => {});
  if (options.checkOwner && options.uid === undefined) {
    note("cache: cannot learn this process's user id (Deno needs --allow-sys=uid), so the cache is not used");
    return undefined;
  }
  try {
    const directory = await options.fs.lstat(options.directory);
    if (!directory) return undefined;
    if (!directory.isDirectory || !isPrivate(directory, options)) {
      note(`cache: ${options.directory} is not a private directory of this user; not used`);
      return undefined;
    }
    const path = entryPath(options, key);
    const stat = await options.fs.lstat(path);
    if (!stat) return undefined;
    if (!stat.isFile || !isPrivate(stat, options)) {
      note("cache: the entry is not a private file of this user; ignored");
      return undefined;
    }
    const text = await options.fs.readFile(path);
    const entry = text === undefined ? undefined : parseEntry(text, options.now());
    if (!entry) {
      note("cache: the entry is unreadable or not a valid credential_process document; ignored");
      return undefined;
    }
    if (Date.parse(entry.Expiration) - options.now() <= (options.minimumLifetimeMs ?? 5 * 60_000)) {
      note("cache: the entry expires within 5 minutes; refreshing");
      return undefined;
    }
    return entry;
  } catch (err) {
    note(`cache: read failed (${(err as Error)?.message ?? err}); not used`);
    return undefined;
  }
}

/** Writes a cache entry atomically (a new 0600 file renamed into place); failures are only noted. */
export async function writeCache(key: string, entry: CachedCredentials, options: CacheOptions): Promise<void> {
  const note = options.note ?? (() => {});
  if (options.checkOwner && options.uid === undefined) return;
  const path = entryPath(options, key);
  const temporary = `${path}.${crypto.getRandomValues(new Uint32Array(2)).join("")}.tmp`;
  try {
    await options.fs.mkdir(options.directory, 0o700);
    const directory = await options.fs.lstat(options.directory);
    if (!directory?.isDirectory || !isPrivate(directory, options)) {
      note(`cache: ${options.directory} is not a private directory of this user; not written`);
      return;
    }
    await options.fs.writeNew(temporary, JSON.stringify(entry), 0o600);
    await options.fs.rename(temporary, path);
  } catch (err) {
    note(`cache: write failed (${(err as Error)?.message ?? err})`);
    await options.fs.remove(temporary).catch(() => {});
  }
}

/** The longest session STS grants (DurationSeconds up to 43200), plus a few minutes of clock skew. */
const MAX_SESSION_MS = 12 * 3600_000 + 5 * 60_000;
/** An Expiration as we write it (and as STS gives it): ISO 8601, UTC. */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;
/** Printable ASCII, no spaces: keys and tokens are base64-ish; nothing that could break a line. */
const TOKEN_TEXT = /^[\x21-\x7e]+$/;

/**
 * A cache entry, checked field by field and rebuilt with only the credential_process fields, in
 * the order a fresh answer prints them; `undefined` if anything is off (then a miss). An entry is
 * data another process could have written: nothing in it is printed that we did not check.
 */
function parseEntry(text: string, now: number): CachedCredentials | undefined {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || value.Version !== 1) return undefined;
  const { AccessKeyId, SecretAccessKey, SessionToken, Expiration, AccountId } = value;
  const token = (field: unknown): field is string =>
    typeof field === "string" && field.length <= 16 * 1024 && TOKEN_TEXT.test(field);
  if (!token(AccessKeyId) || !token(SecretAccessKey) || !token(SessionToken)) return undefined;
  if (typeof Expiration !== "string" || !ISO_UTC.test(Expiration)) return undefined;
  const expires = Date.parse(Expiration);
  if (Number.isNaN(expires) || expires - now > MAX_SESSION_MS) return undefined;
  if (AccountId !== undefined && !(typeof AccountId === "string" && /^\d{12}$/.test(AccountId))) return undefined;
  const entry: CachedCredentials = { Version: 1, AccessKeyId, SecretAccessKey, SessionToken, Expiration };
  if (AccountId !== undefined) entry.AccountId = AccountId;
  return entry;
}
