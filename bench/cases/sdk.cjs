// The AWS SDK v3 way on Node (sdk.js on Deno and Bun): the token fetched with node:http, as the Node
// floor does (Node's first global fetch costs ~100 ms of undici loading), then AssumeRoleWithWebIdentity
// with @aws-sdk/client-sts. CommonJS, Node's cheapest entry, which loads the SDK's CommonJS build (its
// `require` export): ~57 ms sooner than its ES modules (docs/speed.md).
const { AssumeRoleWithWebIdentityCommand, STSClient } = require("@aws-sdk/client-sts");
const { request } = require("node:http");
const { writeSync } = require("node:fs");

const env = process.env;
const headers = { authorization: `Bearer ${env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` };

/** GET the token server's JSON answer. */
function getJson(url) {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => resolve(JSON.parse(text)));
    }).on("error", reject).end();
  });
}

async function main() {
  const token = (await getJson(`${env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=sts.amazonaws.com`)).value;
  const client = new STSClient({ endpoint: env.AWS_ENDPOINT_URL_STS, region: "us-east-1", maxAttempts: 1 });
  const { Credentials: c } = await client.send(
    new AssumeRoleWithWebIdentityCommand({
      RoleArn: env.AWS_ROLE_ARN,
      RoleSessionName: "bench",
      WebIdentityToken: token,
    }),
  );
  writeSync(
    1,
    `${
      JSON.stringify({
        Version: 1,
        AccessKeyId: c.AccessKeyId,
        SecretAccessKey: c.SecretAccessKey,
        SessionToken: c.SessionToken,
        Expiration: c.Expiration.toISOString(),
      })
    }\n`,
  );
}
main();
