/**
 * The STS endpoint for a region: partitions, FIPS, dual-stack and the legacy global endpoint,
 * following the STS endpoint rule set (see https://docs.aws.amazon.com/sdkref/latest/guide/feature-sts-regionalized-endpoints.html).
 *
 * @module
 */

/** An AWS partition: the DNS suffixes of its endpoints. */
export interface Partition {
  /** The partition's id, as in ARNs: `aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, ... */
  name: string;
  /** The suffix of its regional endpoints, e.g. `amazonaws.com` (`sts.REGION.amazonaws.com`). */
  dnsSuffix: string;
  /** The suffix of its dual-stack (IPv4 and IPv6) endpoints, e.g. `api.aws` (`sts.REGION.api.aws`). */
  dualStackDnsSuffix: string;
}

// More specific patterns first: us-gov-, us-iso-, us-isob-, us-isof- before us-.
const PARTITIONS: ReadonlyArray<Partition & { pattern: RegExp }> = [
  { name: "aws-us-gov", pattern: /^us-gov-\w+-\d+$/, dnsSuffix: "amazonaws.com", dualStackDnsSuffix: "api.aws" },
  { name: "aws-iso", pattern: /^us-iso-\w+-\d+$/, dnsSuffix: "c2s.ic.gov", dualStackDnsSuffix: "api.aws.ic.gov" },
  { name: "aws-iso-b", pattern: /^us-isob-\w+-\d+$/, dnsSuffix: "sc2s.sgov.gov", dualStackDnsSuffix: "api.aws.scloud" },
  {
    name: "aws-iso-f",
    pattern: /^us-isof-\w+-\d+$/,
    dnsSuffix: "csp.hci.ic.gov",
    dualStackDnsSuffix: "api.aws.hci.ic.gov",
  },
  {
    name: "aws-iso-e",
    pattern: /^eu-isoe-\w+-\d+$/,
    dnsSuffix: "cloud.adc-e.uk",
    dualStackDnsSuffix: "api.cloud-aws.adc-e.uk",
  },
  {
    name: "aws-eusc",
    pattern: /^eusc-(de)-\w+-\d+$/,
    dnsSuffix: "amazonaws.eu",
    dualStackDnsSuffix: "api.amazonwebservices.eu",
  },
  {
    name: "aws-cn",
    pattern: /^cn-\w+-\d+$/,
    dnsSuffix: "amazonaws.com.cn",
    dualStackDnsSuffix: "api.amazonwebservices.com.cn",
  },
  {
    name: "aws",
    pattern: /^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/,
    dnsSuffix: "amazonaws.com",
    dualStackDnsSuffix: "api.aws",
  },
];

/** The global STS endpoint, used without a region and in legacy mode. @internal */
export const GLOBAL_STS_ENDPOINT = "https://sts.amazonaws.com";

/** Regions served by the global endpoint when `sts_regional_endpoints = legacy`. */
const LEGACY_GLOBAL_REGIONS = new Set([
  "ap-northeast-1",
  "ap-south-1",
  "ap-southeast-1",
  "ap-southeast-2",
  "ca-central-1",
  "eu-central-1",
  "eu-north-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "sa-east-1",
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
]);

/** The partition a region belongs to (the `aws` partition for unknown regions). */
export function partitionOf(region: string): Partition {
  const found = PARTITIONS.find((p) => p.pattern.test(region)) ?? PARTITIONS[PARTITIONS.length - 1];
  return { name: found.name, dnsSuffix: found.dnsSuffix, dualStackDnsSuffix: found.dualStackDnsSuffix };
}

/** Options of {@linkcode stsEndpointFor}. */
export interface StsEndpointOptions {
  /** Use the FIPS endpoint (`use_fips_endpoint`). */
  fips?: boolean;
  /** Use the dual-stack endpoint (`use_dualstack_endpoint`). */
  dualStack?: boolean;
  /** `legacy` sends the original sixteen regions to the global endpoint (`sts_regional_endpoints`). */
  mode?: "regional" | "legacy";
}

/**
 * The STS endpoint URL for a region.
 *
 * @example
 * ```ts
 * import { stsEndpointFor } from "oidc2aws";
 * console.log(stsEndpointFor("eu-west-1")); // "https://sts.eu-west-1.amazonaws.com"
 * console.log(stsEndpointFor("cn-north-1", { dualStack: true })); // "https://sts.cn-north-1.api.amazonwebservices.com.cn"
 * console.log(stsEndpointFor(undefined)); // "https://sts.amazonaws.com"
 * ```
 */
export function stsEndpointFor(region: string | undefined, options: StsEndpointOptions = {}): string {
  const { fips = false, dualStack = false, mode = "regional" } = options;
  if (region === undefined || region === "aws-global") {
    // Without a region there is only the global endpoint; its variants live in us-east-1.
    if (!fips && !dualStack) return GLOBAL_STS_ENDPOINT;
    region = "us-east-1";
  }
  if (!fips && !dualStack && mode === "legacy" && LEGACY_GLOBAL_REGIONS.has(region)) return GLOBAL_STS_ENDPOINT;
  const partition = partitionOf(region);
  const suffix = dualStack ? partition.dualStackDnsSuffix : partition.dnsSuffix;
  // In GovCloud the plain endpoint is already FIPS validated.
  const host = fips && !(partition.name === "aws-us-gov" && !dualStack) ? "sts-fips" : "sts";
  return `https://${host}.${region}.${suffix}`;
}
