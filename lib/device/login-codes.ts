/**
 * The answers a server gives to a CONNECT: MQTT 3.1.1 CONNACK return codes
 * (§3.2.2.3, Table 3.1) and the MQTT 5 CONNACK reason codes (§3.2.2.2) the
 * platform uses for the same refusals.
 */

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

export const loginReturnCodeLabels: Record<LoginReturnCode, string> = {
  0: "Connection Accepted",
  1: "Connection Refused, unacceptable protocol version",
  2: "Connection Refused, identifier rejected",
  3: "Connection Refused, Server unavailable",
  4: "Connection Refused, bad user name or password",
  5: "Connection Refused, not authorized",
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
  0x00: "Success",
  0x80: "Unspecified error",
  0x83: "Implementation specific error",
  0x84: "Unsupported Protocol Version",
  0x85: "Client Identifier not valid",
  0x86: "Bad User Name or Password",
  0x87: "Not authorized",
  0x88: "Server unavailable",
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
