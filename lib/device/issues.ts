/**
 * Problems with device input (a deviceName, a productKey, an MQTT clientId…),
 * reported the way zod reports them: every problem is an issue with a code, the
 * path of the field it concerns, the offending input and a message. Issues are
 * collected, then either thrown together (`parse…`) or returned (`safeParse…`).
 */

/** Issue codes, dotted like Wireshark's expert info names. */
export const InputIssueCode = {
  deviceNameLength: "device_name.length",
  deviceNameCharacters: "device_name.characters",
  productKeyFormat: "product_key.format",
  clientIdNoParams: "client_id.no_params",
  clientIdUnterminated: "client_id.unterminated",
  clientIdEmptyId: "client_id.empty_id",
  clientIdTooLong: "client_id.id_too_long",
  clientIdBadParam: "client_id.bad_param",
  clientIdDuplicateParam: "client_id.duplicate_param",
  clientIdMissingParam: "client_id.missing_param",
  clientIdSignMethod: "client_id.sign_method",
  clientIdSecureMode: "client_id.secure_mode",
  clientIdTimestamp: "client_id.timestamp",
  usernameFormat: "username.format",
  regionFormat: "region.format",
  topicInvalid: "topic.invalid",
} as const;
export type InputIssueCode = (typeof InputIssueCode)[keyof typeof InputIssueCode];

/** One problem with one field of the input. */
export interface InputIssue {
  code: InputIssueCode;
  /** Where the problem is, e.g. `["clientId", "params", "signmethod"]`. */
  path: (string | number)[];
  message: string;
  /** The offending value (never a secret). */
  input?: unknown;
}

/** Thrown by the `parse…`/`create…` entry points; carries every issue found. */
export class DeviceInputError extends Error {
  override name = "DeviceInputError";
  readonly issues: InputIssue[];
  constructor(issues: InputIssue[]) {
    super(issues.map(formatInputIssue).join("; "));
    this.issues = issues;
  }
}

/** The result of a `safeParse…` entry point. */
export type SafeParseResult<T> = { success: true; data: T } | { success: false; error: DeviceInputError };

/** `clientId.params.signmethod: unknown sign method "hmacsha512" (client_id.sign_method)` */
export function formatInputIssue(issue: InputIssue): string {
  const where = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
  return `${where}${issue.message}`;
}

export function inputIssue(code: InputIssueCode, path: (string | number)[], message: string, input?: unknown): InputIssue {
  const found: InputIssue = { code, path, message };
  if (input !== undefined) found.input = input;
  return found;
}
