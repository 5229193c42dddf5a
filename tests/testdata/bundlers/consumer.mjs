// A user's code, bundled by each bundler in tests/contracts/bundlers_test.ts: the profile comes from
// the environment (AWS_PROFILE, AWS_CONFIG_FILE, or a CI job's variables), the host pieces from the
// runtime adapter. Top-level await is avoided so that CommonJS output works too.
import { assumeRole, resolveProfile } from "oidc2aws";

async function main() {
  const credentials = await assumeRole(await resolveProfile());
  process.stdout.write(JSON.stringify({
    id: credentials.accessKeyId,
    secret: credentials.secretAccessKey,
    arn: credentials.assumedRoleArn,
  }));
}

main().catch((err) => {
  process.stderr.write(`${err?.code}: ${err?.message}\n`);
  process.exitCode = 1;
});
