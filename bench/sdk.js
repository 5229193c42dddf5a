// The AWS SDK v3 way: the token fetched as in the fetch floor, then AssumeRoleWithWebIdentity with
// @aws-sdk/client-sts (an unsigned call: the SDK resolves no credentials for it).
import process from "node:process";
import { writeSync } from "node:fs";
import { AssumeRoleWithWebIdentityCommand, STSClient } from "@aws-sdk/client-sts";

// The cheapest output on each runtime, as the floors print (see floor_fetch.js).
const print = globalThis.Deno || globalThis.Bun ? console.log : (text) => writeSync(1, `${text}\n`);
const env = process.env;
const tokenUrl = `${env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=sts.amazonaws.com`;
const tokenAnswer = await fetch(tokenUrl, {
  headers: { authorization: `Bearer ${env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` },
});
const token = (await tokenAnswer.json()).value;
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
