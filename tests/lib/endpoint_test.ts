import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { partitionOf, stsEndpointFor } from "../../mod.ts";

describe("stsEndpointFor: every partition and mode", () => {
  // [region, default, FIPS, dual-stack, FIPS + dual-stack]
  const table: Array<[string, string, string, string, string]> = [
    [
      "us-east-1",
      "sts.us-east-1.amazonaws.com",
      "sts-fips.us-east-1.amazonaws.com",
      "sts.us-east-1.api.aws",
      "sts-fips.us-east-1.api.aws",
    ],
    [
      "eu-central-2",
      "sts.eu-central-2.amazonaws.com",
      "sts-fips.eu-central-2.amazonaws.com",
      "sts.eu-central-2.api.aws",
      "sts-fips.eu-central-2.api.aws",
    ],
    [
      "mx-central-1",
      "sts.mx-central-1.amazonaws.com",
      "sts-fips.mx-central-1.amazonaws.com",
      "sts.mx-central-1.api.aws",
      "sts-fips.mx-central-1.api.aws",
    ],
    [
      "cn-north-1",
      "sts.cn-north-1.amazonaws.com.cn",
      "sts-fips.cn-north-1.amazonaws.com.cn",
      "sts.cn-north-1.api.amazonwebservices.com.cn",
      "sts-fips.cn-north-1.api.amazonwebservices.com.cn",
    ],
    [
      "us-gov-west-1",
      "sts.us-gov-west-1.amazonaws.com",
      "sts.us-gov-west-1.amazonaws.com",
      "sts.us-gov-west-1.api.aws",
      "sts-fips.us-gov-west-1.api.aws",
    ],
    [
      "us-iso-east-1",
      "sts.us-iso-east-1.c2s.ic.gov",
      "sts-fips.us-iso-east-1.c2s.ic.gov",
      "sts.us-iso-east-1.api.aws.ic.gov",
      "sts-fips.us-iso-east-1.api.aws.ic.gov",
    ],
    [
      "us-isob-east-1",
      "sts.us-isob-east-1.sc2s.sgov.gov",
      "sts-fips.us-isob-east-1.sc2s.sgov.gov",
      "sts.us-isob-east-1.api.aws.scloud",
      "sts-fips.us-isob-east-1.api.aws.scloud",
    ],
    [
      "eu-isoe-west-1",
      "sts.eu-isoe-west-1.cloud.adc-e.uk",
      "sts-fips.eu-isoe-west-1.cloud.adc-e.uk",
      "sts.eu-isoe-west-1.api.cloud-aws.adc-e.uk",
      "sts-fips.eu-isoe-west-1.api.cloud-aws.adc-e.uk",
    ],
    [
      "us-isof-south-1",
      "sts.us-isof-south-1.csp.hci.ic.gov",
      "sts-fips.us-isof-south-1.csp.hci.ic.gov",
      "sts.us-isof-south-1.api.aws.hci.ic.gov",
      "sts-fips.us-isof-south-1.api.aws.hci.ic.gov",
    ],
    [
      "eusc-de-east-1",
      "sts.eusc-de-east-1.amazonaws.eu",
      "sts-fips.eusc-de-east-1.amazonaws.eu",
      "sts.eusc-de-east-1.api.amazonwebservices.eu",
      "sts-fips.eusc-de-east-1.api.amazonwebservices.eu",
    ],
    [
      "xx-unknown-1",
      "sts.xx-unknown-1.amazonaws.com",
      "sts-fips.xx-unknown-1.amazonaws.com",
      "sts.xx-unknown-1.api.aws",
      "sts-fips.xx-unknown-1.api.aws",
    ],
  ];
  for (const [region, plain, fips, dual, both] of table) {
    it(`resolves ${region}`, () => {
      assert.equal(stsEndpointFor(region), `https://${plain}`);
      assert.equal(stsEndpointFor(region, { fips: true }), `https://${fips}`);
      assert.equal(stsEndpointFor(region, { dualStack: true }), `https://${dual}`);
      assert.equal(stsEndpointFor(region, { fips: true, dualStack: true }), `https://${both}`);
    });
  }

  it("uses the global endpoint without a region or for aws-global", () => {
    assert.equal(stsEndpointFor(undefined), "https://sts.amazonaws.com");
    assert.equal(stsEndpointFor("aws-global"), "https://sts.amazonaws.com");
    assert.equal(stsEndpointFor(undefined, { fips: true }), "https://sts-fips.us-east-1.amazonaws.com");
  });

  it("sends the sixteen legacy regions to the global endpoint in legacy mode only", () => {
    for (const region of ["us-east-1", "eu-west-1", "ap-southeast-2", "sa-east-1", "ca-central-1"]) {
      assert.equal(stsEndpointFor(region, { mode: "legacy" }), "https://sts.amazonaws.com");
      assert.equal(stsEndpointFor(region, { mode: "regional" }), `https://sts.${region}.amazonaws.com`);
    }
    assert.equal(stsEndpointFor("eu-south-1", { mode: "legacy" }), "https://sts.eu-south-1.amazonaws.com");
    assert.equal(
      stsEndpointFor("us-east-1", { mode: "legacy", fips: true }),
      "https://sts-fips.us-east-1.amazonaws.com",
    );
  });

  it("matches the more specific partitions first", () => {
    assert.equal(partitionOf("us-gov-east-1").name, "aws-us-gov");
    assert.equal(partitionOf("us-isob-east-1").name, "aws-iso-b");
    assert.equal(partitionOf("us-east-1").name, "aws");
  });
});
