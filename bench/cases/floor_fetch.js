// Floor: the two requests oidc2aws makes, with the runtime's global fetch and nothing else (no
// validation, no retries, no timeouts); the four credential fields are pulled out with a regex.
// No node: import and no `process` on Deno: either would load Deno's Node compatibility layer (~19 ms
// at start), so on Deno this script reads Deno.env and prints with console.log.
const env = globalThis.Deno ? Deno.env.toObject() : globalThis.process.env;
// The cheapest output on each runtime: on Node process.stdout and console.log each cost ~3.5 ms to
// set up, fs.writeSync nothing; on Bun process.stdout costs ~13 ms, console.log nothing.
const print = globalThis.Deno || globalThis.Bun
  ? console.log
  : (text) => globalThis.process.getBuiltinModule("node:fs").writeSync(1, `${text}\n`);

const tokenUrl = `${env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=sts.amazonaws.com`;
const tokenAnswer = await fetch(tokenUrl, {
  headers: { authorization: `Bearer ${env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` },
});
const token = (await tokenAnswer.json()).value;
const body = new URLSearchParams({
  Action: "AssumeRoleWithWebIdentity",
  Version: "2011-06-15",
  RoleArn: env.AWS_ROLE_ARN,
  RoleSessionName: "bench",
  WebIdentityToken: token,
}).toString();
const stsAnswer = await fetch(env.AWS_ENDPOINT_URL_STS, {
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body,
});
const xml = await stsAnswer.text();
const field = (name) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
print(JSON.stringify({
  Version: 1,
  AccessKeyId: field("AccessKeyId"),
  SecretAccessKey: field("SecretAccessKey"),
  SessionToken: field("SessionToken"),
  Expiration: field("Expiration"),
}));
