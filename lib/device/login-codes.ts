/**
 * The answers a server gives to a CONNECT: MQTT 3.1.1 CONNACK return codes
 * (§3.2.2.3, Table 3.1) and the MQTT 5 CONNACK reason codes (§3.2.2.2) the
 * platform uses for the same refusals.
 */
import { connackReturnCodes, reasonCodeNames } from "../mqtt/constants";

/** MQTT 3.1.1 §3.2.2.3 */
export const LOGIN_RETURN_CODE = {
  accepted: 0,
  unacceptableProtocolVersion: 1,
  identifierRejected: 2,
  serverUnavailable: 3,
  badUsernameOrPassword: 4,
  notAuthorized: 5,
} as const;
export type LoginReturnCode = (typeof LOGIN_RETURN_CODE)[keyof typeof LOGIN_RETURN_CODE];

/** The spec's words for each return code (one table for the whole library: mqtt/constants). */
export const loginReturnCodeLabels: Record<LoginReturnCode, string> = {
  0: connackReturnCodes[0],
  1: connackReturnCodes[1],
  2: connackReturnCodes[2],
  3: connackReturnCodes[3],
  4: connackReturnCodes[4],
  5: connackReturnCodes[5],
};

/** MQTT 5 §3.2.2.2: the reason codes the platform sends in a CONNACK. */
export const LOGIN_REASON_CODE = {
  success: 0x00,
  unspecifiedError: 0x80,
  implementationSpecificError: 0x83,
  unsupportedProtocolVersion: 0x84,
  clientIdentifierNotValid: 0x85,
  badUserNameOrPassword: 0x86,
  notAuthorized: 0x87,
  serverUnavailable: 0x88,
} as const;
export type LoginReasonCode = (typeof LOGIN_REASON_CODE)[keyof typeof LOGIN_REASON_CODE];

export const loginReasonCodeLabels: Record<LoginReasonCode, string> = {
  0x00: reasonCodeNames[0x00],
  0x80: reasonCodeNames[0x80],
  0x83: reasonCodeNames[0x83],
  0x84: reasonCodeNames[0x84],
  0x85: reasonCodeNames[0x85],
  0x86: reasonCodeNames[0x86],
  0x87: reasonCodeNames[0x87],
  0x88: reasonCodeNames[0x88],
};

/** The MQTT 5 reason code that says the same as a 3.1.1 return code. */
export const loginReasonForReturnCode: Record<LoginReturnCode, LoginReasonCode> = {
  0: LOGIN_REASON_CODE.success,
  1: LOGIN_REASON_CODE.unsupportedProtocolVersion,
  2: LOGIN_REASON_CODE.clientIdentifierNotValid,
  3: LOGIN_REASON_CODE.serverUnavailable,
  4: LOGIN_REASON_CODE.badUserNameOrPassword,
  5: LOGIN_REASON_CODE.notAuthorized,
};
