/**
 * MQTT login parameters signed with a device certificate, under the platform's
 * rules for a directly connected device:
 *
 *   clientId  `${id}|securemode=3,signmethod=hmacsha1,timestamp=${ms}|`
 *   username  `${deviceName}&${productKey}`
 *   password  hex(HMAC(deviceSecret, "clientId" + id + "deviceName" + dn + "productKey" + pk + "timestamp" + ms))
 *
 * The signed string lists the parameters sorted by name, each name followed by
 * its value with no separator; `timestamp` is left out of both the clientId
 * and the signed string when there is none.
 */
import { createHmac } from "node:crypto";
import { formatClientId, SECURE_MODE, SIGN_METHOD, type SecureMode, type SignMethod } from "./client-id";
import type { Device, DeviceIdentity } from "./identity";
import { DeviceInputError, InputIssueCode, inputIssue } from "./issues";

export interface SignOptions {
  /** The id part of the clientId; defaults to `${productKey}.${deviceName}`. */
  clientId?: string;
  /** Milliseconds; defaults to `clock()`. `null` leaves the timestamp out. */
  timestamp?: number | null;
  /** Defaults to hmacsha1. */
  signMethod?: SignMethod;
  /** 2 (TLS) or 3 (plain TCP); wins over `tls`. */
  secureMode?: SecureMode;
  /** Shorthand for secureMode: true → 2, false → 3 (the default). */
  tls?: boolean;
  /** Where the default timestamp comes from; defaults to Date.now. */
  clock?: () => number;
}

export interface MqttCredentials {
  clientId: string;
  username: string;
  password: string;
}

/** The parameters that go into the signature, before sorting. */
export interface SignedParams {
  clientId: string;
  deviceName: string;
  productKey: string;
  timestamp?: number | string;
}

/** `clientId…deviceName…productKey…timestamp…`: the string that is HMACed (it holds no secret). */
export function signedString(params: SignedParams): string {
  const entries: [string, string][] = [
    ["clientId", params.clientId],
    ["deviceName", params.deviceName],
    ["productKey", params.productKey],
  ];
  if (params.timestamp !== undefined) entries.push(["timestamp", String(params.timestamp)]);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.map(([name, value]) => name + value).join("");
}

/** Lowercase hex HMAC of `content` keyed with `secret`. */
export function hmacHex(signMethod: SignMethod, secret: string, content: string): string {
  return createHmac(SIGN_METHOD[signMethod], secret).update(content, "utf8").digest("hex");
}

/** `${deviceName}&${productKey}` */
export function formatUsername(device: DeviceIdentity): string {
  return `${device.deviceName}&${device.productKey}`;
}

/** Splits `${deviceName}&${productKey}`; throws a DeviceInputError when it is not that shape. */
export function parseUsername(username: string): DeviceIdentity {
  const amp = username.lastIndexOf("&");
  if (amp <= 0 || amp === username.length - 1) {
    throw new DeviceInputError([inputIssue(InputIssueCode.usernameFormat, ["username"], 'username must be "deviceName&productKey"', username)]);
  }
  return { deviceName: username.slice(0, amp), productKey: username.slice(amp + 1) };
}

function resolveSecureMode(options: SignOptions): SecureMode {
  if (options.secureMode !== undefined) {
    if (options.secureMode !== SECURE_MODE.tls && options.secureMode !== SECURE_MODE.tcp) {
      throw new DeviceInputError([inputIssue(InputIssueCode.clientIdSecureMode, ["secureMode"], "secureMode must be 2 (TLS) or 3 (TCP)", options.secureMode)]);
    }
    return options.secureMode;
  }
  return options.tls ? SECURE_MODE.tls : SECURE_MODE.tcp;
}

/** Signs a login for `device`. Nothing returned contains the deviceSecret. */
export function signMqttCredentials(device: Device, options: SignOptions = {}): MqttCredentials {
  const signMethod = options.signMethod ?? "hmacsha1";
  if (!Object.prototype.hasOwnProperty.call(SIGN_METHOD, signMethod)) {
    throw new DeviceInputError([inputIssue(InputIssueCode.clientIdSignMethod, ["signMethod"], "signMethod must be hmacmd5, hmacsha1 or hmacsha256", signMethod)]);
  }
  const id = options.clientId ?? `${device.productKey}.${device.deviceName}`;
  if (id.includes("|") || id.includes(",")) {
    throw new DeviceInputError([inputIssue(InputIssueCode.clientIdBadParam, ["clientId"], 'the client id must not contain "|" or ","', id)]);
  }
  const timestamp = options.timestamp === null ? undefined : (options.timestamp ?? (options.clock ?? Date.now)());
  const secureMode = resolveSecureMode(options);
  const content = signedString({ clientId: id, deviceName: device.deviceName, productKey: device.productKey, timestamp });
  return {
    clientId: formatClientId({ id, secureMode, signMethod, timestamp }),
    username: formatUsername(device),
    password: hmacHex(signMethod, device.deviceSecret, content),
  };
}

/**
 * A password for display: its first 8 characters and its length, e.g.
 * "3f9a1c0b… (40 characters)", as notebook 4 shows the CONNECT's. Enough to
 * compare two logins by eye; too little to log in with.
 */
export function shortenPassword(password: string, keep = 8): string {
  const chars = [...password];
  return `${chars.slice(0, keep).join("")}… (${chars.length} characters)`;
}
