/**
 * `oidc2aws credential-process`: the `credential_process` JSON every AWS SDK and the AWS CLI read,
 * cached per job (see `../cache.ts`) unless `--no-cache`.
 *
 * @module
 */
import type { CommandContext } from "../main.ts";
import { credentialProcessJson } from "../credential_json.ts";
import { tokenBinding } from "../../lib/token.ts";
import { rootOf } from "../../lib/profile.ts";
import { envValue } from "../../lib/_path.ts";
import type { CachedCredentials } from "../cache.ts";

/** A profile's entry in the cache: read it, or write it. */
export interface CacheEntry {
  directory: string;
  read(): Promise<CachedCredentials | undefined>;
  write(entry: CachedCredentials): Promise<void>;
}

/** Runs `credential-process`. */
export async function run(context: CommandContext): Promise<number> {
  const { args, runtime, log } = context;
  const profile = await context.resolve(args.profiles[0]);
  const cache = args.noCache ? undefined : await openCache(context, profile);
  if (cache) {
    const hit = await cache.read();
    if (hit) {
      log(`cache: hit in ${cache.directory}, valid until ${hit.Expiration}`);
      runtime.write("stdout", `${JSON.stringify(hit)}\n`);
      return 0;
    }
  }
  const json = credentialProcessJson(await context.assume(profile));
  runtime.write("stdout", `${json}\n`);
  await cache?.write(JSON.parse(json));
  return 0;
}

/**
 * The cache entry for this profile and job, or undefined when nothing may be cached. The GitHub
 * Action seeds it (action/profiles.ts) with the credentials it assumed to check each profile.
 */
export async function openCache(
  context: Pick<CommandContext, "runtime" | "log" | "readFile">,
  profile: Awaited<ReturnType<CommandContext["resolve"]>>,
): Promise<CacheEntry | undefined> {
  const { runtime, log } = context;
  const { cacheDirectory, cacheKey, readCache, writeCache } = await import("../cache.ts");
  const directory = cacheDirectory(runtime.env, runtime.platform);
  if (!directory) return undefined;
  // What binds the credentials to this job: the root's token source, or the environment's keys.
  const root = rootOf(profile);
  const binding = "token" in root
    ? await tokenBinding(root.token, runtime.env, context.readFile)
    : ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"].map((name) => envValue(runtime.env, name));
  if (binding === undefined) {
    log("cache: not used with a token command (nothing binds its token to this job)");
    return undefined;
  }
  const options = {
    fs: runtime.fs,
    directory,
    uid: runtime.uid(),
    checkOwner: runtime.platform !== "win32",
    now: Date.now,
    note: log,
  };
  const key = await cacheKey(profile, binding);
  return {
    directory,
    read: () => readCache(key, options),
    write: (entry: CachedCredentials) => writeCache(key, entry, options),
  };
}
