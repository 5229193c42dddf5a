// Floor: the two requests oidc2aws makes, with node:http and nothing else (no validation, no
// retries, no timeouts); the four credential fields are pulled out with a regex.
// Built-ins through process.getBuiltinModule where there is one: an ES module's `import` of node:http
// costs Node 24 ~59 ms more at a cold start (it builds the module namespace, whose lazy getters load
// more), Node 20 a few. The floor is the cheapest way; oidc2aws's Node adapter takes them the same way.
const process = globalThis.process;
const builtin = (name) => process.getBuiltinModule?.(name);
const http = builtin("node:http") ?? (await import("node:http")).default;
const { writeSync } = builtin("node:fs") ?? await import("node:fs");

// The cheapest output on each runtime (see floor_fetch.js): fs.writeSync on Node, console.log elsewhere.
const print = globalThis.Deno || globalThis.Bun ? console.log : (text) => writeSync(1, `${text}\n`);

/** One request; resolves the body as text. */
function request(url, options, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, options, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => resolve(text));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const env = process.env;
const tokenUrl = `${env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=sts.amazonaws.com`;
const tokenAnswer = await request(tokenUrl, {
  headers: { authorization: `Bearer ${env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` },
});
const token = JSON.parse(tokenAnswer).value;
const body = new URLSearchParams({
  Action: "AssumeRoleWithWebIdentity",
  Version: "2011-06-15",
  RoleArn: env.AWS_ROLE_ARN,
  RoleSessionName: "bench",
  WebIdentityToken: token,
}).toString();
const xml = await request(env.AWS_ENDPOINT_URL_STS, {
  method: "POST",
  // The form body is ASCII, so its length in bytes is its length in characters.
  headers: { "content-type": "application/x-www-form-urlencoded", "content-length": body.length },
}, body);
const field = (name) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
print(JSON.stringify({
  Version: 1,
  AccessKeyId: field("AccessKeyId"),
  SecretAccessKey: field("SecretAccessKey"),
  SessionToken: field("SessionToken"),
  Expiration: field("Expiration"),
}));
