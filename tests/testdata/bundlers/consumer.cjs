// consumer.mjs as CommonJS: `require("oidc2aws")`, which resolves to dist/mod.cjs (package.json's
// "require" condition), bundled by esbuild and webpack in tests/contracts/bundlers_test.ts.
const { assumeRole, resolveProfile } = require("oidc2aws");

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
