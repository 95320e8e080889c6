/**
 * The platform's answer to a CONNECT: the credential checks of
 * explainCredentials, plus the keep-alive rule.
 *
 * Keep-alive: the platform accepts 30 to 1200 seconds and refuses a CONNECT
 * outside that range (its documentation says only that the connection is
 * refused, not with which code). MQTT 3.1.1 has no return code for it, so this
 * platform answers 2 (identifier rejected), the code it uses for a CONNECT whose
 * parameters do not follow its format, and an MQTT 5 device gets 0x83
 * (Implementation specific error: "the CONNECT is valid but is not accepted by
 * this Server", §3.2.2.2). Keep-alive 0 (no keep-alive) is outside the range too.
 *
 * Signature age: with a window (the platform's signatureMaxAgeMs), a clientId
 * timestamp outside it, or none, fails explainCredentials' timestamp.age check
 * and is refused with 4 (0x86), like any other signature that does not hold.
 */
import { explainCredentials, type ConnectCredentials, type CredentialExplanation, type DeviceSource, type ExplainOptions } from "../device/explain";
import { LOGIN_REASON_CODE, LOGIN_RETURN_CODE, loginReasonForReturnCode, loginReturnCodeLabels, type LoginReturnCode } from "../device/login-codes";
import type { DeviceIdentity } from "../device/identity";

export interface KeepaliveRange {
  min: number;
  max: number;
}

/** The platform's documented keep-alive range, in seconds. */
export const PLATFORM_KEEPALIVE: Readonly<KeepaliveRange> = { min: 30, max: 1200 };

export interface LoginDecision {
  accepted: boolean;
  /** CONNACK return code for an MQTT 3.1/3.1.1 device. */
  returnCode: LoginReturnCode;
  /** CONNACK reason code for an MQTT 5 device. */
  reasonCode: number;
  /** One line saying why (the failing check's detail), or "accepted". */
  reason: string;
  /** The device that logged in (or that the username claimed), without its secret. */
  device?: DeviceIdentity;
  /** The id part of the clientId, or the whole clientId when it could not be split. */
  clientId: string;
  explanation: CredentialExplanation;
}

export function decideLogin(
  connect: ConnectCredentials & { keepalive?: number },
  registry: DeviceSource,
  keepalive: KeepaliveRange = PLATFORM_KEEPALIVE,
  signature: ExplainOptions = {},
): LoginDecision {
  const explanation = explainCredentials(connect, registry, signature);
  const claimed = explanation.device ?? explanation.claimed;
  const base = {
    explanation,
    clientId: explanation.clientIdParts?.id ?? connect.clientId,
    ...(claimed ? { device: { productKey: claimed.productKey, deviceName: claimed.deviceName } } : {}),
  };
  const refuse = (returnCode: LoginReturnCode, reason: string, reasonCode: number = loginReasonForReturnCode[returnCode]): LoginDecision => ({
    ...base,
    accepted: false,
    returnCode,
    reasonCode,
    reason,
  });

  const failed = explanation.checks.find((c) => !c.ok);
  if (failed?.check === "clientId.format") return refuse(LOGIN_RETURN_CODE.identifierRejected, `bad clientId: ${failed.detail}`);

  const ka = connect.keepalive;
  if (ka !== undefined && (ka < keepalive.min || ka > keepalive.max)) {
    return refuse(
      LOGIN_RETURN_CODE.identifierRejected,
      `keepalive ${ka} s is outside ${keepalive.min}..${keepalive.max} s`,
      LOGIN_REASON_CODE.implementationSpecificError,
    );
  }

  if (!explanation.ok) {
    const detail = failed ? `${failed.check}: ${failed.detail}` : "the credentials could not be checked";
    return refuse(explanation.returnCode, `${loginReturnCodeLabels[explanation.returnCode].replace("Connection Refused: ", "")}: ${detail}`);
  }
  return { ...base, accepted: true, returnCode: LOGIN_RETURN_CODE.accepted, reasonCode: LOGIN_REASON_CODE.success, reason: "accepted" };
}
