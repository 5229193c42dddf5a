/**
 * STS on the wire: the API version, the XML namespace, the error codes with
 * their HTTP status and default messages, and the `ErrorResponse` document.
 *
 * https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html
 *
 * @module
 */

import { type Reply, xmlEscape } from "./_util.ts";

/** The STS API version every request must name. */
export const STS_API_VERSION = "2011-06-15";
/** The XML namespace of every STS response. */
export const STS_XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/";
/** The codes STS answers with, and their HTTP status. */
export const STS_ERROR_STATUS: Record<string, number> = {
  AccessDenied: 403,
  ExpiredToken: 400,
  ExpiredTokenException: 400,
  IDPCommunicationError: 400,
  IDPRejectedClaim: 403,
  IncompleteSignature: 400,
  InternalFailure: 500,
  InvalidAction: 400,
  InvalidClientTokenId: 403,
  InvalidIdentityToken: 400,
  InvalidParameterValue: 400,
  MalformedPolicyDocument: 400,
  MissingAction: 400,
  MissingAuthenticationToken: 403,
  MissingParameter: 400,
  PackedPolicyTooLarge: 400,
  RegionDisabledException: 403,
  RequestLimitExceeded: 400,
  ServiceUnavailable: 503,
  SignatureDoesNotMatch: 403,
  Throttling: 400,
  ThrottlingException: 400,
  TooManyRequestsException: 429,
  ValidationError: 400,
};

const DEFAULT_MESSAGES: Record<string, string> = {
  AccessDenied: "Not authorized to perform sts:AssumeRoleWithWebIdentity",
  ExpiredTokenException: "Token expired: current date/time must be before the expiration date/time",
  // Paraphrasing the API reference: the IdP could not be reached to verify the token; often transient.
  IDPCommunicationError: "The identity provider could not be reached to verify the web identity token",
  IDPRejectedClaim: "The identity provider rejected the claims in the token",
  InternalFailure: "The request processing has failed because of an unknown error, exception or failure.",
  InvalidIdentityToken: "Couldn't verify the web identity token",
  RegionDisabledException: "STS is not activated in this region for this account",
  ServiceUnavailable: "The request has failed due to a temporary failure of the server.",
  Throttling: "Rate exceeded",
  ThrottlingException: "Rate exceeded",
  RequestLimitExceeded: "Request limit exceeded.",
  TooManyRequestsException: "Too many requests",
};

/** An STS `ErrorResponse`; server-side codes (5xx) are of type Receiver, the rest Sender. */
export function stsErrorReply(code: string, message?: string, status?: number): Reply {
  const httpStatus = status ?? STS_ERROR_STATUS[code] ?? 400;
  const requestId = crypto.randomUUID();
  const body = `<ErrorResponse xmlns="${STS_XMLNS}">
  <Error>
    <Type>${httpStatus >= 500 ? "Receiver" : "Sender"}</Type>
    <Code>${xmlEscape(code)}</Code>
    <Message>${xmlEscape(message ?? DEFAULT_MESSAGES[code] ?? code)}</Message>
  </Error>
  <RequestId>${requestId}</RequestId>
</ErrorResponse>
`;
  return { status: httpStatus, headers: xmlHeaders(requestId), body };
}

/** An STS error to answer with: the code, the message (default the code's), the status (default the code's). */
export class StsError extends Error {
  constructor(readonly code: string, message?: string, readonly status?: number) {
    super(message ?? DEFAULT_MESSAGES[code] ?? code);
  }
}

/** The headers of every STS XML answer. */
export function xmlHeaders(requestId: string): Record<string, string> {
  return { "content-type": "text/xml", "x-amzn-RequestId": requestId };
}

/** An ISO 8601 date without milliseconds, as STS writes them. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
