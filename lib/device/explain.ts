/**
 * What the platform checks when a device logs in, step by step, as data: the
 * clientId is split into its parts, the device is found from the username, the
 * password is recomputed with the device's secret, and each check says whether
 * it passed and why not. The result never holds the deviceSecret.
 */
import { timingSafeEqual } from "node:crypto";
import { safeParseClientId, type ClientIdParts, type SecureMode, type SignMethod } from "./client-id";
import { LOGIN_RETURN_CODE, type LoginReturnCode } from "./login-codes";
import { hmacHex, parseUsername, signedString } from "./credentials";
import { type Device, type DeviceIdentity } from "./identity";
import { formatInputIssue } from "./issues";

/**
 * Anything that finds a device by ProductKey and DeviceName: a DeviceRegistry,
 * or a plain array of devices.
 */
export type DeviceSource = { get(productKey: string, deviceName: string): (Device & { enabled?: boolean }) | undefined } | readonly (Device & { enabled?: boolean })[];

export function lookupDevice(source: DeviceSource, productKey: string, deviceName: string): (Device & { enabled?: boolean }) | undefined {
  if (Array.isArray(source)) return source.find((d) => d.productKey === productKey && d.deviceName === deviceName);
  return (source as { get(pk: string, dn: string): (Device & { enabled?: boolean }) | undefined }).get(productKey, deviceName);
}

/** The CONNECT fields the checks read; mqtt-packet's IConnectPacket fits, and so do decoded captures. */
export interface ConnectCredentials {
  clientId: string;
  username?: string;
  password?: string | Uint8Array;
}

/** The checks, in the order the platform makes them. */
export const CREDENTIAL_CHECK = {
  clientIdFormat: "clientId.format",
  usernameFormat: "username.format",
  deviceExists: "device.exists",
  deviceEnabled: "device.enabled",
  passwordPresent: "password.present",
  passwordSignature: "password.signature",
  /** Made only when a validity window is given (ExplainOptions.signatureMaxAgeMs). */
  timestampAge: "timestamp.age",
} as const;
export type CredentialCheckName = (typeof CREDENTIAL_CHECK)[keyof typeof CREDENTIAL_CHECK];

/**
 * The CONNACK return code the platform answers when a check fails. An unknown
 * device gets the same answer as a wrong password, so that the wire does not
 * tell a guesser which device names exist (the device log keeps the difference).
 */
export const returnCodeForCheck: Record<CredentialCheckName, LoginReturnCode> = {
  "clientId.format": LOGIN_RETURN_CODE.identifierRejected,
  "username.format": LOGIN_RETURN_CODE.badUsernameOrPassword,
  "device.exists": LOGIN_RETURN_CODE.badUsernameOrPassword,
  "device.enabled": LOGIN_RETURN_CODE.notAuthorized,
  "password.present": LOGIN_RETURN_CODE.badUsernameOrPassword,
  "password.signature": LOGIN_RETURN_CODE.badUsernameOrPassword,
  "timestamp.age": LOGIN_RETURN_CODE.badUsernameOrPassword,
};

/**
 * Which failed check decides the answer. "Disabled" (CONNACK 5) is said only
 * to a login whose signature holds: anyone else gets 4, as for an unknown device.
 */
const REFUSAL_PRECEDENCE: readonly CredentialCheckName[] = [
  CREDENTIAL_CHECK.clientIdFormat,
  CREDENTIAL_CHECK.usernameFormat,
  CREDENTIAL_CHECK.deviceExists,
  CREDENTIAL_CHECK.passwordPresent,
  CREDENTIAL_CHECK.passwordSignature,
  CREDENTIAL_CHECK.timestampAge,
  CREDENTIAL_CHECK.deviceEnabled,
];

/** 15 minutes: how old a signature the platform accepts by default (its clientId's timestamp against the platform's clock). */
export const DEFAULT_SIGNATURE_MAX_AGE_MS = 15 * 60 * 1000;

export interface ExplainOptions {
  /**
   * Check the signature's age: its timestamp may be at most this many
   * milliseconds before (or after, for a fast device clock) `now`, and a login
   * without a timestamp is refused. Absent or false: the age is not checked,
   * as for a capture replayed long after it was recorded.
   */
  signatureMaxAgeMs?: number | false;
  /** When the CONNECT arrived, in milliseconds (default Date.now()). */
  now?: number;
}

/** 90 s, 25 min, 26 h, 3 d */
function roughDuration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 120) return `${s} s`;
  if (s < 120 * 60) return `${Math.round(s / 60)} min`;
  if (s < 48 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}

/** The timestamp.age check: a stale or missing timestamp lets a recorded login be replayed. */
function timestampAgeCheck(timestamp: number | undefined, maxAgeMs: number, now: number): CredentialCheck {
  const window = `the platform accepts a signature whose timestamp is within ${roughDuration(maxAgeMs)} of its clock`;
  if (timestamp === undefined) return { check: "timestamp.age", ok: false, detail: `the clientId carries no timestamp; ${window}` };
  const age = now - timestamp;
  const when = new Date(timestamp).toISOString();
  if (age > maxAgeMs) return { check: "timestamp.age", ok: false, detail: `signed at ${when}, ${roughDuration(age)} ago; ${window} (a recorded login cannot be replayed later)` };
  if (-age > maxAgeMs) return { check: "timestamp.age", ok: false, detail: `signed at ${when}, ${roughDuration(age)} ahead of the platform's clock; ${window}` };
  return { check: "timestamp.age", ok: true, detail: `signed ${roughDuration(age)} ${age >= 0 ? "ago" : "ahead"}, within ${roughDuration(maxAgeMs)}` };
}

/** Keys the HMAC when the device is unknown, so that both answers take the same path. */
const UNKNOWN_DEVICE_SECRET = "0".repeat(32);

export interface CredentialCheck {
  check: CredentialCheckName;
  ok: boolean;
  detail: string;
}

export interface CredentialExplanation {
  /** Every check passed: the platform accepts the login. */
  ok: boolean;
  /** The CONNACK return code the platform answers (0 when ok). */
  returnCode: LoginReturnCode;
  /** The device named by the username, when the registry has it (no secret). */
  device?: DeviceIdentity & { enabled: boolean };
  /** What the username claims, when it could be read. */
  claimed?: DeviceIdentity;
  clientIdParts?: ClientIdParts;
  signMethod?: SignMethod;
  secureMode?: SecureMode;
  timestamp?: number;
  /** The string that is HMACed; it holds no secret. */
  signedString?: string;
  /** The password the platform computes, when it knows the device. */
  expectedPassword?: string;
  checks: CredentialCheck[];
}

function passwordText(password: string | Uint8Array | undefined): string | undefined {
  if (password === undefined) return undefined;
  return typeof password === "string" ? password : Buffer.from(password).toString("utf8");
}

/** Compares two hex strings in constant time, ignoring case (the platform accepts upper-case hex too). */
function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase(), "utf8");
  const y = Buffer.from(b.toLowerCase(), "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

export function explainCredentials(connect: ConnectCredentials, registry: DeviceSource, options: ExplainOptions = {}): CredentialExplanation {
  const maxAgeMs = options.signatureMaxAgeMs === false ? undefined : options.signatureMaxAgeMs;
  const checks: CredentialCheck[] = [];
  const result: CredentialExplanation = { ok: false, returnCode: LOGIN_RETURN_CODE.accepted, checks };

  const parsed = safeParseClientId(connect.clientId);
  if (parsed.success) {
    const parts = parsed.data;
    result.clientIdParts = parts;
    result.signMethod = parts.signMethod;
    result.secureMode = parts.secureMode;
    if (parts.timestamp !== undefined) result.timestamp = parts.timestamp;
    const ts = parts.timestamp === undefined ? "no timestamp" : `timestamp ${parts.timestamp} (signed${maxAgeMs === undefined ? "; its age is not checked" : ""})`;
    checks.push({ check: "clientId.format", ok: true, detail: `id ${JSON.stringify(parts.id)}, securemode=${parts.secureMode}, signmethod=${parts.signMethod}, ${ts}` });
  } else {
    checks.push({ check: "clientId.format", ok: false, detail: parsed.error.issues.map(formatInputIssue).join("; ") });
  }

  let claimed: DeviceIdentity | undefined;
  if (connect.username === undefined || connect.username === "") {
    checks.push({ check: "username.format", ok: false, detail: 'no username (expected "deviceName&productKey")' });
  } else {
    try {
      claimed = parseUsername(connect.username);
      result.claimed = claimed;
      checks.push({ check: "username.format", ok: true, detail: `deviceName ${JSON.stringify(claimed.deviceName)}, productKey ${JSON.stringify(claimed.productKey)}` });
    } catch {
      checks.push({ check: "username.format", ok: false, detail: `${JSON.stringify(connect.username)} is not "deviceName&productKey"` });
    }
  }

  let device: (Device & { enabled?: boolean }) | undefined;
  if (claimed) {
    device = lookupDevice(registry, claimed.productKey, claimed.deviceName);
    if (device) {
      const enabled = device.enabled !== false;
      result.device = { productKey: device.productKey, deviceName: device.deviceName, enabled };
      checks.push({ check: "device.exists", ok: true, detail: `device ${claimed.productKey}/${claimed.deviceName} is registered` });
      checks.push({ check: "device.enabled", ok: enabled, detail: enabled ? "the device is enabled" : "the device is disabled in the registry" });
    } else {
      checks.push({ check: "device.exists", ok: false, detail: `no device ${claimed.deviceName} in product ${claimed.productKey}` });
    }
  }

  if (result.clientIdParts && claimed) {
    result.signedString = signedString({
      clientId: result.clientIdParts.id,
      deviceName: claimed.deviceName,
      productKey: claimed.productKey,
      timestamp: result.clientIdParts.params.timestamp,
    });
  }

  const password = passwordText(connect.password);
  if (password === undefined || password === "") {
    checks.push({ check: "password.present", ok: false, detail: "the CONNECT carries no password" });
  } else {
    checks.push({ check: "password.present", ok: true, detail: `a ${password.length}-character password` });
    if (!device && result.signedString !== undefined && result.signMethod) {
      // The same work as for a known device, and the result thrown away.
      sameHex(hmacHex(result.signMethod, UNKNOWN_DEVICE_SECRET, result.signedString), password);
    }
    if (device && result.signedString !== undefined && result.signMethod) {
      const expected = hmacHex(result.signMethod, device.deviceSecret, result.signedString);
      result.expectedPassword = expected;
      const match = sameHex(expected, password);
      checks.push({
        check: "password.signature",
        ok: match,
        detail: match
          ? `${result.signMethod} of the signed string with the deviceSecret matches`
          : `the CONNECT's password differs from the ${result.signMethod} of the signed string with the deviceSecret (see expectedPassword)`,
      });
    }
  }

  if (maxAgeMs !== undefined && result.clientIdParts) checks.push(timestampAgeCheck(result.clientIdParts.timestamp, maxAgeMs, options.now ?? Date.now()));

  const firstFailure = REFUSAL_PRECEDENCE.map((name) => checks.find((c) => c.check === name)).find((c) => c !== undefined && !c.ok);
  result.ok = firstFailure === undefined && checks.some((c) => c.check === "password.signature" && c.ok);
  result.returnCode = firstFailure ? returnCodeForCheck[firstFailure.check] : result.ok ? LOGIN_RETURN_CODE.accepted : LOGIN_RETURN_CODE.notAuthorized;
  return result;
}
