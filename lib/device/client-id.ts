/**
 * The platform's MQTT clientId: `${id}|securemode=3,signmethod=hmacsha1,timestamp=1700000000000|`.
 *
 * - `id` is the device's own client identifier (up to 64 characters); the
 *   SDKs use `${productKey}.${deviceName}` or a MAC/serial number.
 * - Between the two `|` are comma-separated `key=value` parameters:
 *   `securemode` (2 = TLS direct, 3 = plain TCP direct), `signmethod`
 *   (hmacmd5, hmacsha1, hmacsha256) and an optional `timestamp` in ms that is
 *   also part of the signed string. Other keys (the SDKs send `_v`, `ext`,
 *   `lan`…) are kept but not interpreted.
 *
 * A clientId the platform cannot read is refused with CONNACK 2 (identifier rejected).
 */
import { DeviceInputError, InputIssueCode, inputIssue, type InputIssue, type SafeParseResult } from "./issues";

/** Sign methods the platform accepts, with the Node hash each one uses. */
export const SIGN_METHOD = { hmacmd5: "md5", hmacsha1: "sha1", hmacsha256: "sha256" } as const;
export type SignMethod = keyof typeof SIGN_METHOD;
export const signMethodLabels: Record<SignMethod, string> = {
  hmacmd5: "HMAC-MD5",
  hmacsha1: "HMAC-SHA1",
  hmacsha256: "HMAC-SHA256",
};

/** `securemode` values for direct connections. */
export const SECURE_MODE = { tls: 2, tcp: 3 } as const;
export type SecureMode = (typeof SECURE_MODE)[keyof typeof SECURE_MODE];
export const secureModeLabels: Record<SecureMode, string> = {
  2: "TLS direct connection",
  3: "TCP direct connection (no encryption)",
};

/** The longest `id` part the platform accepts. */
export const CLIENT_ID_MAX_LENGTH = 64;

export interface ClientIdParts {
  /** The part before the first `|`. */
  id: string;
  /** Every `key=value` parameter, in the order sent. */
  params: Record<string, string>;
  secureMode: SecureMode;
  signMethod: SignMethod;
  /** Absent when the clientId carries no timestamp. */
  timestamp?: number;
}

export function isSignMethod(value: string): value is SignMethod {
  return Object.prototype.hasOwnProperty.call(SIGN_METHOD, value);
}

/** Builds the MQTT clientId from its parts (the inverse of parseClientId). */
export function formatClientId(parts: { id: string; secureMode: SecureMode; signMethod: SignMethod; timestamp?: number | null; extra?: Record<string, string> }): string {
  const params = [`securemode=${parts.secureMode}`, `signmethod=${parts.signMethod}`];
  if (parts.timestamp !== undefined && parts.timestamp !== null) params.push(`timestamp=${parts.timestamp}`);
  for (const [key, value] of Object.entries(parts.extra ?? {})) params.push(`${key}=${value}`);
  return `${parts.id}|${params.join(",")}|`;
}

/** Reads a clientId, returning every problem found instead of throwing. */
export function safeParseClientId(clientId: string): SafeParseResult<ClientIdParts> {
  const path = ["clientId"];
  const issues: InputIssue[] = [];
  if (typeof clientId !== "string") {
    return { success: false, error: new DeviceInputError([inputIssue(InputIssueCode.clientIdNoParams, path, "clientId must be a string", clientId)]) };
  }
  const first = clientId.indexOf("|");
  if (first < 0) {
    issues.push(inputIssue(InputIssueCode.clientIdNoParams, path, 'clientId has no "|…|" parameter section (expected id|securemode=3,signmethod=hmacsha1|)', clientId));
    return { success: false, error: new DeviceInputError(issues) };
  }
  const id = clientId.slice(0, first);
  if (id.length === 0) issues.push(inputIssue(InputIssueCode.clientIdEmptyId, [...path, "id"], "the id before the first | is empty", clientId));
  if (id.length > CLIENT_ID_MAX_LENGTH) {
    issues.push(inputIssue(InputIssueCode.clientIdTooLong, [...path, "id"], `the id is ${id.length} characters; the platform allows at most ${CLIENT_ID_MAX_LENGTH}`, id));
  }
  const rest = clientId.slice(first + 1);
  const last = rest.indexOf("|");
  if (last < 0 || last !== rest.length - 1) {
    const message = last < 0 ? 'the parameter section is not closed with "|"' : 'the clientId goes on after the closing "|"';
    issues.push(inputIssue(InputIssueCode.clientIdUnterminated, path, message, clientId));
    return { success: false, error: new DeviceInputError(issues) };
  }
  const params: Record<string, string> = {};
  const section = rest.slice(0, last);
  const items = section.length === 0 ? [] : section.split(",");
  items.forEach((item, index) => {
    const eq = item.indexOf("=");
    if (eq <= 0) {
      issues.push(inputIssue(InputIssueCode.clientIdBadParam, [...path, "params", index], `parameter ${JSON.stringify(item)} is not key=value`, item));
      return;
    }
    const key = item.slice(0, eq);
    const value = item.slice(eq + 1);
    if (Object.prototype.hasOwnProperty.call(params, key)) {
      issues.push(inputIssue(InputIssueCode.clientIdDuplicateParam, [...path, "params", key], `parameter ${key} appears more than once`, item));
      return;
    }
    params[key] = value;
  });

  let secureMode: SecureMode | undefined;
  if (params.securemode === undefined) {
    issues.push(inputIssue(InputIssueCode.clientIdMissingParam, [...path, "params", "securemode"], "securemode is missing (2 for TLS, 3 for TCP)"));
  } else if (params.securemode === "2" || params.securemode === "3") {
    secureMode = Number(params.securemode) as SecureMode;
  } else {
    issues.push(inputIssue(InputIssueCode.clientIdSecureMode, [...path, "params", "securemode"], `securemode must be 2 (TLS) or 3 (TCP), got ${JSON.stringify(params.securemode)}`, params.securemode));
  }

  let signMethod: SignMethod | undefined;
  if (params.signmethod === undefined) {
    issues.push(inputIssue(InputIssueCode.clientIdMissingParam, [...path, "params", "signmethod"], "signmethod is missing (hmacmd5, hmacsha1 or hmacsha256)"));
  } else if (isSignMethod(params.signmethod)) {
    signMethod = params.signmethod;
  } else {
    issues.push(
      inputIssue(InputIssueCode.clientIdSignMethod, [...path, "params", "signmethod"], `unknown sign method ${JSON.stringify(params.signmethod)} (expected hmacmd5, hmacsha1 or hmacsha256)`, params.signmethod),
    );
  }

  let timestamp: number | undefined;
  if (params.timestamp !== undefined) {
    if (/^\d{1,16}$/.test(params.timestamp)) timestamp = Number(params.timestamp);
    else issues.push(inputIssue(InputIssueCode.clientIdTimestamp, [...path, "params", "timestamp"], `timestamp must be milliseconds as digits, got ${JSON.stringify(params.timestamp)}`, params.timestamp));
  }

  if (issues.length > 0 || secureMode === undefined || signMethod === undefined) return { success: false, error: new DeviceInputError(issues) };
  const parts: ClientIdParts = { id, params, secureMode, signMethod };
  if (timestamp !== undefined) parts.timestamp = timestamp;
  return { success: true, data: parts };
}

/** Reads a clientId; throws a DeviceInputError listing every problem. */
export function parseClientId(clientId: string): ClientIdParts {
  const result = safeParseClientId(clientId);
  if (!result.success) throw result.error;
  return result.data;
}
