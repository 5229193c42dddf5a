// Run by `oidc2aws exec` in the demo: the AWS SDK for JavaScript finds the credentials in its
// environment, signs a request with them, and the (local) STS says who it is.
const { STSClient, GetCallerIdentityCommand } = await import("@aws-sdk/client-sts");
const client = new STSClient({ endpoint: process.env.AWS_ENDPOINT_URL_STS, maxAttempts: 1 });
const identity = await client.send(new GetCallerIdentityCommand({}));
console.log(`the AWS SDK in the child process signed a request as ${identity.Arn}`);
