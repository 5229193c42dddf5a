// In-process measurements, run once per runtime in a fresh child by inproc_npm.js / inproc_deno.js
// (which pass in the library module). The environment points at the emulator, in another process.
// Prints one JSON line: every figure as an array of samples, in the unit its name ends with.

/** A 1,000-profile config file, each profile like a real web identity one (plus a sub-section). */
export function bigConfig(count = 1000) {
  let text = "[default]\nregion = us-east-1\n\n";
  for (let i = 0; i < count; i++) {
    text += `# profile ${i}\n[profile p${i}]\nrole_arn = arn:aws:iam::123456789012:role/role-${i}\n` +
      `web_identity_token_server = GitHub\nrole_session_name = bench-${i}\nregion = eu-west-1\n` +
      `duration_seconds = 3600\ns3 =\n  max_concurrent_requests = 20\n  addressing_style = path\n\n`;
  }
  return text;
}

/** Runs `round` (which returns its own time in ms) `rounds` times after `warmup` unrecorded runs. */
async function sample(rounds, warmup, round) {
  for (let i = 0; i < warmup; i++) await round();
  const samples = [];
  for (let i = 0; i < rounds; i++) samples.push(await round());
  return samples;
}

/** Every in-process figure; `env` points at the emulator, `latencyEnv` at the one with latency. */
export async function measure(mod, { quick = false, env, latencyEnv }) {
  const rounds = quick ? 3 : 15;
  const result = {};

  // parseConfig: µs per profile. Each round parses the file 50 times (a few hundred ms), after warm-up
  // rounds, so the figure is the optimized steady state (the first, cold parse is in the fresh-process rows).
  const text = bigConfig();
  const profiles = Object.keys(mod.parseConfig(text).profiles).length - 1;
  const iterations = quick ? 5 : 50;
  result.parseConfigUsPerProfile = await sample(rounds, quick ? 1 : 5, () => {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) mod.parseConfig(text);
    return ((performance.now() - start) * 1000) / iterations / profiles;
  });

  // A cached fromWebIdentity provider: ns per awaited call. The first call fills the cache (one
  // real token + STS exchange against the emulator); every later call returns the cached object.
  const provider = mod.fromWebIdentity({ profile: "p0", env });
  const first = await provider();
  const calls = quick ? 10_000 : 200_000;
  result.cachedProviderNsPerCall = await sample(rounds, 2, async () => {
    const start = performance.now();
    for (let i = 0; i < calls; i++) {
      if ((await provider()) !== first) throw new Error("the cached provider returned new credentials");
    }
    return ((performance.now() - start) * 1e6) / calls;
  });

  // 20 profiles assumed concurrently vs one: wall ms of each, rounds interleaved, after two warm-up
  // rounds. oidc2aws resolves and assumes each profile as `oidc2aws whoami --profile …` does; the
  // floor makes the same two requests with bare fetch. The emulator is one process that signs a JWT
  // per token request, so with no latency 20 profiles cost it 20× the CPU: the floor's ratio shows
  // that bound. `latencyEnv` points at an emulator that waits before every answer, as a network does.
  for (const [suffix, target] of [["", env], ["Latency", latencyEnv]]) {
    const ours = async (name) => {
      const profile = await mod.resolveProfile({ profile: name, env: target });
      return (await mod.assumeRole(profile, { env: target })).accessKeyId;
    };
    const floor = (name) => floorExchange(target, name);
    for (const [label, assume] of [["", ours], ["Floor", floor]]) {
      const one = [];
      const twenty = [];
      for (let i = 0; i < rounds + 2; i++) {
        let start = performance.now();
        await assume("p0");
        const oneMs = performance.now() - start;
        start = performance.now();
        const keys = await Promise.all(NAMES.map(assume));
        const twentyMs = performance.now() - start;
        if (new Set(keys).size !== 20) throw new Error("20 profiles did not give 20 credentials");
        if (i >= 2) one.push(oneMs), twenty.push(twentyMs);
      }
      result[`one${label}${suffix}Ms`] = one;
      result[`twenty${label}${suffix}Ms`] = twenty;
    }
  }
  return result;
}

const NAMES = Array.from({ length: 20 }, (_, i) => `p${i}`);

/** The floor's two requests (as floor_fetch.js) for the role of profile `name`; resolves the access key id. */
async function floorExchange(env, name) {
  const tokenUrl = `${env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=sts.amazonaws.com`;
  const answer = await fetch(tokenUrl, { headers: { authorization: `Bearer ${env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` } });
  const token = (await answer.json()).value;
  const body = new URLSearchParams({
    Action: "AssumeRoleWithWebIdentity",
    Version: "2011-06-15",
    RoleArn: `arn:aws:iam::123456789012:role/${name}`,
    RoleSessionName: "bench",
    WebIdentityToken: token,
  }).toString();
  const sts = await fetch(env.AWS_ENDPOINT_URL_STS, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body,
  });
  return /<AccessKeyId>([^<]*)</.exec(await sts.text())?.[1];
}
