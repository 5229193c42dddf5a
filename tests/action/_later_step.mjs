// A later step of a job, after the action's config-file mode: the AWS SDK for JavaScript reads the
// exported AWS_CONFIG_FILE and runs each profile's credential_process (through `sh -c`, as it does).
// Prints, as JSON, what it got for each profile named on the command line, and for no profile
// (AWS_PROFILE, else default) under the key "(AWS_PROFILE)". No secret is printed but the key id.
import { fromProcess } from "@aws-sdk/credential-provider-process";

const result = {};
for (const profile of [...process.argv.slice(2), undefined]) {
  try {
    const credentials = await fromProcess(profile === undefined ? {} : { profile })();
    result[profile ?? "(AWS_PROFILE)"] = {
      accessKeyId: credentials.accessKeyId,
      expiration: credentials.expiration?.toISOString(),
      accountId: credentials.accountId,
    };
  } catch (err) {
    result[profile ?? "(AWS_PROFILE)"] = { error: String(err?.message ?? err) };
  }
}
process.stdout.write(`${JSON.stringify(result)}\n`);
