// A user's code for a runtime without node: modules (an edge worker, a browser), bundled with
// platform=neutral: every host piece is injected, so the library never loads its runtime adapter.
// OIDC2AWS_CASE (JSON) gives the env, the config file's text and the token the "command" prints.
import { assumeRole, resolveProfile } from "oidc2aws";

const { env, config, token } = JSON.parse(process.env.OIDC2AWS_CASE);
const host = {
  env,
  readFile: (path) => Promise.resolve(path === env.AWS_CONFIG_FILE ? config : undefined),
  fetch: (url, init) => globalThis.fetch(url, init),
  runCommand: () => Promise.resolve({ code: 0, stdout: `${token}\n`, stderr: "", timedOut: false }),
};

async function main() {
  const credentials = await assumeRole(await resolveProfile(host), host);
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
