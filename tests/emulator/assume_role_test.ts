/**
 * STS AssumeRole (role chaining) on the emulator: signatures verified for real (key, scope, date,
 * body), each role's trust policy on the caller's assumed-role ARN, its external id, and the one-hour
 * limit of chained sessions. Requests are signed by the AWS SDK (an independent signer) and by hand
 * with lib/_sigv4.ts to tamper with one part at a time. Runs under Node (tsx), Deno and Bun.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { type Emulator, startEmulator, STS_XMLNS } from "../../emulator/mod.ts";
import { signRequest } from "../../lib/_sigv4.ts";
import { type Answer, assertStsError, field, getToken, sdkClient } from "./_setup.ts";

const HUB = "arn:aws:iam::111111111111:role/ci-hub";
const DEPLOY = "arn:aws:iam::222222222222:role/deploy";
const AUDIT = "arn:aws:iam::333333333333:role/audit";
const VENDOR = "arn:aws:iam::444444444444:role/vendor";
const ROLES = {
  [HUB]: { sub: "repo:octo-org/*" },
  [DEPLOY]: { sub: [], trustedCallers: ["arn:aws:sts::111111111111:assumed-role/ci-hub/*"] },
  [AUDIT]: { sub: [], trustedCallers: ["arn:aws:sts::222222222222:assumed-role/deploy/*"] },
  [VENDOR]: { sub: [], trustedCallers: ["arn:aws:sts::111111111111:assumed-role/ci-hub/*"], externalId: "vendor-123" },
};

type Keys = { accessKeyId: string; secretAccessKey: string; sessionToken: string };

describe("STS AssumeRole (role chaining)", () => {
  let em: Emulator;
  let skew = 0;
  let hub: Keys;
  before(async () => {
    em = await startEmulator({ roles: ROLES, stsNow: () => Date.now() + skew });
    const out = await sdkClient(em).send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: HUB,
        RoleSessionName: "hub-session",
        WebIdentityToken: await getToken(em, "sts.amazonaws.com"),
      }),
    );
    const c = out.Credentials!;
    hub = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
  });
  after(() => em.stop());

  /** A form POST to the emulator signed with lib/_sigv4.ts; `tamper` changes what is sent after signing. */
  async function signed(
    params: Record<string, string>,
    options: {
      keys?: Partial<Keys>;
      region?: string;
      service?: string;
      now?: number;
      sendBody?: (body: string) => string;
      headers?: (headers: Record<string, string>) => Record<string, string>;
    } = {},
  ): Promise<Answer> {
    const body = new URLSearchParams({ Action: "AssumeRole", Version: "2011-06-15", ...params }).toString();
    const keys = { ...hub, ...options.keys };
    const { headers } = await signRequest(
      { method: "POST", url: `${em.stsUrl}/`, headers: { "content-type": "application/x-www-form-urlencoded" }, body },
      keys,
      { region: options.region ?? "us-east-1", service: options.service ?? "sts", now: options.now ?? Date.now() },
    );
    const res = await fetch(`${em.stsUrl}/`, {
      method: "POST",
      headers: options.headers ? options.headers(headers) : headers,
      body: options.sendBody ? options.sendBody(body) : body,
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  const deploy = { RoleArn: DEPLOY, RoleSessionName: "deploy" };

  it("answers a correctly signed request with AssumeRoleResponse, credentials that work in turn", async () => {
    const answer = await signed(deploy);
    assert.equal(answer.status, 200, answer.text);
    assert.match(answer.text, new RegExp(`^<AssumeRoleResponse xmlns="${STS_XMLNS}">\n  <AssumeRoleResult>`));
    assert.equal(field(answer.text, "Arn"), "arn:aws:sts::222222222222:assumed-role/deploy/deploy");
    const accessKeyId = field(answer.text, "AccessKeyId")!;
    assert.equal(em.issued.get(accessKeyId)?.roleArn, DEPLOY);
    const expiration = Date.parse(field(answer.text, "Expiration")!);
    assert.ok(expiration > Date.now() + 3500_000 && expiration <= Date.now() + 3600_000 + 1000);
    // The new session is itself a caller: GetCallerIdentity, and the next hop of the chain.
    const keys = {
      accessKeyId,
      secretAccessKey: field(answer.text, "SecretAccessKey")!,
      sessionToken: field(answer.text, "SessionToken")!,
    };
    const me = await sdkClient(em, keys).send(new GetCallerIdentityCommand({}));
    assert.equal(me.Arn, "arn:aws:sts::222222222222:assumed-role/deploy/deploy");
    const next = await signed({ RoleArn: AUDIT, RoleSessionName: "audit" }, { keys });
    assert.equal(next.status, 200, next.text);
    assert.equal(field(next.text, "Arn"), "arn:aws:sts::333333333333:assumed-role/audit/audit");
  });

  it("accepts the AWS SDK's own signature (an independent signer)", async () => {
    const out = await sdkClient(em, hub).send(
      new AssumeRoleCommand({ RoleArn: DEPLOY, RoleSessionName: "sdk", DurationSeconds: 900 }),
    );
    assert.equal(out.AssumedRoleUser?.Arn, "arn:aws:sts::222222222222:assumed-role/deploy/sdk");
    assert.ok(em.issued.has(out.Credentials!.AccessKeyId!));
  });

  it("refuses a signature made with the wrong secret key", async () => {
    const other = hub.secretAccessKey.at(-1) === "x" ? "y" : "x";
    const answer = await signed(deploy, { keys: { secretAccessKey: `${hub.secretAccessKey.slice(0, -1)}${other}` } });
    assertStsError(answer, 403, "SignatureDoesNotMatch", /^The request signature we calculated does not match/);
  });

  it("refuses a scope naming another region or service", async () => {
    assertStsError(
      await signed(deploy, { region: "eu-west-1" }),
      403,
      "SignatureDoesNotMatch",
      "Credential should be scoped to a valid region, not 'eu-west-1'. Expected 'us-east-1'.",
    );
    assertStsError(
      await signed(deploy, { service: "iam" }),
      403,
      "SignatureDoesNotMatch",
      "Credential should be scoped to correct service: 'sts'.",
    );
  });

  it("refuses a request signed more than 5 minutes away from its clock, either way", async () => {
    for (const offset of [-6 * 60_000, 6 * 60_000]) {
      assertStsError(
        await signed(deploy, { now: Date.now() + offset }),
        403,
        "SignatureDoesNotMatch",
        /^Signature expired: /,
      );
    }
  });

  it("refuses a body changed after signing", async () => {
    const answer = await signed(deploy, {
      sendBody: (body) => body.replace("RoleSessionName=deploy", "RoleSessionName=evil"),
    });
    assertStsError(answer, 403, "SignatureDoesNotMatch", /^The request signature we calculated does not match/);
    assert.equal([...em.issued.values()].some((c) => c.roleSessionName === "evil"), false);
  });

  it("refuses unknown keys, a missing or changed session token, and no signature at all", async () => {
    assertStsError(
      await signed(deploy, { keys: { accessKeyId: "ASIAUNKNOWNUNKNOWN00" } }),
      403,
      "InvalidClientTokenId",
    );
    assertStsError(
      await signed(deploy, { keys: { sessionToken: `${hub.sessionToken}x` } }),
      403,
      "InvalidClientTokenId",
    );
    const unsigned = await signed(deploy, {
      headers: (headers) => Object.fromEntries(Object.entries(headers).filter(([name]) => name !== "authorization")),
    });
    assertStsError(unsigned, 403, "MissingAuthenticationToken");
  });

  it("refuses credentials that have expired", async () => {
    skew = 2 * 3600_000;
    try {
      const answer = await signed(deploy, { now: Date.now() + skew });
      assertStsError(answer, 400, "ExpiredToken");
    } finally {
      skew = 0;
    }
  });

  it("enforces the trust policy on the caller's assumed-role ARN", async () => {
    // AUDIT trusts only deploy sessions: the hub's session is refused, in AWS's words.
    const answer = await signed({ RoleArn: AUDIT, RoleSessionName: "audit" });
    assertStsError(
      answer,
      403,
      "AccessDenied",
      `User: arn:aws:sts::111111111111:assumed-role/ci-hub/hub-session is not authorized to perform: sts:AssumeRole on resource: ${AUDIT}`,
    );
    // A role the emulator does not know trusts no one.
    assertStsError(
      await signed({ RoleArn: "arn:aws:iam::222222222222:role/nope", RoleSessionName: "x1" }),
      403,
      "AccessDenied",
    );
  });

  it("checks the external id the trust policy requires", async () => {
    assertStsError(await signed({ RoleArn: VENDOR, RoleSessionName: "v1" }), 403, "AccessDenied");
    assertStsError(
      await signed({ RoleArn: VENDOR, RoleSessionName: "v1", ExternalId: "vendor-999" }),
      403,
      "AccessDenied",
    );
    const ok = await signed({ RoleArn: VENDOR, RoleSessionName: "v1", ExternalId: "vendor-123" });
    assert.equal(ok.status, 200, ok.text);
  });

  it("caps chained sessions at one hour, in AWS's words", async () => {
    const answer = await signed({ ...deploy, DurationSeconds: "3601" });
    assertStsError(
      answer,
      400,
      "ValidationError",
      "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
    );
    const hour = await signed({ ...deploy, DurationSeconds: "3600" });
    assert.equal(hour.status, 200, hour.text);
  });

  it("validates parameters as AssumeRoleWithWebIdentity does", async () => {
    assertStsError(
      await signed({ RoleArn: DEPLOY }),
      400,
      "MissingParameter",
      "The request must contain the parameter RoleSessionName",
    );
    assertStsError(
      await signed({ ...deploy, RoleSessionName: "has space" }),
      400,
      "ValidationError",
      /roleSessionName/,
    );
  });
});
