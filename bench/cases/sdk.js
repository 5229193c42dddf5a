// The AWS SDK v3 way: the token fetched the cheapest way on this runtime (as the floors do: node:http
// on Node, whose first global fetch costs ~100 ms of undici loading; fetch on Deno and Bun), then
// AssumeRoleWithWebIdentity with @aws-sdk/client-sts (an unsigned call: the SDK resolves no
// credentials for it). What is measured beyond the floor is the SDK's own cost.
import process from "node:process";
import { writeSync } from "node:fs";
import { AssumeRoleWithWebIdentityCommand, STSClient } from "@aws-sdk/client-sts";

// The cheapest output on each runtime, as the floors print (see floor_fetch.js).
const print = globalThis.Deno || globalThis.Bun ? console.log : (text) => writeSync(1, `${text}\n`);
const env = process.env;
const tokenUrl = `${env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=sts.amazonaws.com`;
const headers = { authorization: `Bearer ${env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` };

/** GET the token server's JSON answer: node:http on Node, fetch elsewhere. */
async function getJson(url) {
  if (globalThis.Deno || globalThis.Bun) return (await fetch(url, { headers })).json();
  const { request } = await import("node:http");
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => resolve(JSON.parse(text)));
    }).on("error", reject).end();
  });
}

const token = (await getJson(tokenUrl)).value;
const client = new STSClient({ endpoint: env.AWS_ENDPOINT_URL_STS, region: "us-east-1", maxAttempts: 1 });
const { Credentials: c } = await client.send(
  new AssumeRoleWithWebIdentityCommand({
    RoleArn: env.AWS_ROLE_ARN,
    RoleSessionName: "bench",
    WebIdentityToken: token,
  }),
);
print(JSON.stringify({
  Version: 1,
  AccessKeyId: c.AccessKeyId,
  SecretAccessKey: c.SecretAccessKey,
  SessionToken: c.SessionToken,
  Expiration: c.Expiration.toISOString(),
}));
