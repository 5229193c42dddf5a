// The AWS SDK v3 way on Deno and Bun (Node runs sdk.cjs, its CommonJS twin): the token fetched the
// cheapest way, with fetch, as the floors do, then AssumeRoleWithWebIdentity with @aws-sdk/client-sts (an
// unsigned call: the SDK resolves no credentials for it). What is measured beyond the floor is the
// SDK's own cost.
import process from "node:process";
import { AssumeRoleWithWebIdentityCommand, STSClient } from "@aws-sdk/client-sts";

const env = process.env;
const tokenUrl = `${env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=sts.amazonaws.com`;
const headers = { authorization: `Bearer ${env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` };

const token = (await (await fetch(tokenUrl, { headers })).json()).value;
const client = new STSClient({ endpoint: env.AWS_ENDPOINT_URL_STS, region: "us-east-1", maxAttempts: 1 });
const { Credentials: c } = await client.send(
  new AssumeRoleWithWebIdentityCommand({
    RoleArn: env.AWS_ROLE_ARN,
    RoleSessionName: "bench",
    WebIdentityToken: token,
  }),
);
console.log(JSON.stringify({
  Version: 1,
  AccessKeyId: c.AccessKeyId,
  SecretAccessKey: c.SecretAccessKey,
  SessionToken: c.SessionToken,
  Expiration: c.Expiration.toISOString(),
}));
