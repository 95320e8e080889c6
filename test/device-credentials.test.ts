import { test } from "node:test";
import assert from "node:assert/strict";
import {
  createDevice,
  DeviceInputError,
  explainCredentials,
  formatClientId,
  parseClientId,
  safeParseClientId,
  signedString,
  signMqttCredentials,
  parseUsername,
  maskSecret,
  type Device,
} from "../lib/device";

// The known-answer device: productKey "pk", deviceName "device", secret "secret".
const kat: Device = { productKey: "pk", deviceName: "device", deviceSecret: "secret" };
const katOptions = { clientId: "12345", timestamp: 789 };

test("the signed string sorts the parameters by name and joins name+value", () => {
  assert.equal(signedString({ clientId: "12345", deviceName: "device", productKey: "pk", timestamp: 789 }), "clientId12345deviceNamedeviceproductKeypktimestamp789");
  assert.equal(signedString({ clientId: "12345", deviceName: "device", productKey: "pk" }), "clientId12345deviceNamedeviceproductKeypk");
});

// Expected values, from:
//   printf '%s' 'clientId12345deviceNamedeviceproductKeypktimestamp789' | openssl dgst -sha1 -hmac secret
//   printf '%s' 'clientId12345deviceNamedeviceproductKeypktimestamp789' | openssl dgst -md5 -hmac secret
//   printf '%s' 'clientId12345deviceNamedeviceproductKeypktimestamp789' | openssl dgst -sha256 -hmac secret
const vectors = [
  { signMethod: "hmacsha1", password: "fafd82a3d602b37fb0fa8b7892f24a477f851a14" },
  { signMethod: "hmacmd5", password: "14b198324fe55e1d3c88f2e705e201ee" },
  { signMethod: "hmacsha256", password: "6074a46a91b1ebb2cc4ea42790ad0e80202c9843859fc292e57c4eb19fad9e57" },
] as const;

for (const { signMethod, password } of vectors) {
  test(`known answer: ${signMethod}`, () => {
    const credentials = signMqttCredentials(kat, { ...katOptions, signMethod });
    assert.equal(credentials.password, password);
    assert.equal(credentials.clientId, `12345|securemode=3,signmethod=${signMethod},timestamp=789|`);
    assert.equal(credentials.username, "device&pk");
  });
}

test("hmacsha1 is the default sign method", () => {
  assert.equal(signMqttCredentials(kat, katOptions).password, "fafd82a3d602b37fb0fa8b7892f24a477f851a14");
});

test("clientId defaults to productKey.deviceName and the timestamp to the clock", () => {
  const device = createDevice({ deviceName: "device1", productKey: "a1B2c3D4e5F" });
  const c = signMqttCredentials(device, { clock: () => 1700000000123 });
  assert.equal(c.clientId, "a1B2c3D4e5F.device1|securemode=3,signmethod=hmacsha1,timestamp=1700000000123|");
  assert.equal(c.username, "device1&a1B2c3D4e5F");
  assert.match(c.password, /^[0-9a-f]{40}$/);
  assert.ok(!JSON.stringify(c).includes(device.deviceSecret));
});

test("timestamp: null leaves it out of the clientId and of the signed string", () => {
  const c = signMqttCredentials(kat, { clientId: "12345", timestamp: null });
  assert.equal(c.clientId, "12345|securemode=3,signmethod=hmacsha1|");
  const other = signMqttCredentials(kat, { clientId: "12345", timestamp: 789 });
  assert.notEqual(c.password, other.password);
  const explained = explainCredentials(c, [kat]);
  assert.equal(explained.signedString, "clientId12345deviceNamedeviceproductKeypk");
  assert.equal(explained.ok, true);
});

test("securemode: 2 for TLS, 3 for TCP", () => {
  assert.match(signMqttCredentials(kat, { ...katOptions, tls: true }).clientId, /\|securemode=2,/);
  assert.match(signMqttCredentials(kat, { ...katOptions, tls: false }).clientId, /\|securemode=3,/);
  assert.match(signMqttCredentials(kat, { ...katOptions, secureMode: 2 }).clientId, /\|securemode=2,/);
  // secureMode wins over tls
  assert.match(signMqttCredentials(kat, { ...katOptions, secureMode: 3, tls: true }).clientId, /\|securemode=3,/);
  assert.throws(() => signMqttCredentials(kat, { secureMode: 4 as never }), DeviceInputError);
});

test("the securemode does not change the password (it is not signed)", () => {
  assert.equal(signMqttCredentials(kat, { ...katOptions, tls: true }).password, signMqttCredentials(kat, katOptions).password);
});

test("a client id with | or , is refused", () => {
  assert.throws(() => signMqttCredentials(kat, { clientId: "a|b" }), DeviceInputError);
  assert.throws(() => signMqttCredentials(kat, { clientId: "a,b" }), DeviceInputError);
});

test("parseClientId splits the parts", () => {
  const parts = parseClientId("a1B2c3D4e5F.device1|securemode=2,signmethod=hmacsha256,timestamp=1700000000000,_v=sdk-c-4.0|");
  assert.deepEqual(parts, {
    id: "a1B2c3D4e5F.device1",
    params: { securemode: "2", signmethod: "hmacsha256", timestamp: "1700000000000", _v: "sdk-c-4.0" },
    secureMode: 2,
    signMethod: "hmacsha256",
    timestamp: 1700000000000,
  });
  assert.equal(formatClientId({ id: parts.id, secureMode: 2, signMethod: "hmacsha256", timestamp: 1700000000000 }), "a1B2c3D4e5F.device1|securemode=2,signmethod=hmacsha256,timestamp=1700000000000|");
  assert.equal(parseClientId("x|securemode=3,signmethod=hmacmd5|").timestamp, undefined);
});

// Each malformed clientId, with the issue codes it must produce.
const badClientIds: { input: string; codes: string[]; path?: (string | number)[] }[] = [
  { input: "device1", codes: ["client_id.no_params"] },
  { input: "device1|securemode=3,signmethod=hmacsha1", codes: ["client_id.unterminated"] },
  { input: "device1|securemode=3,signmethod=hmacsha1|extra", codes: ["client_id.unterminated"] },
  { input: "|securemode=3,signmethod=hmacsha1|", codes: ["client_id.empty_id"], path: ["clientId", "id"] },
  { input: `${"x".repeat(65)}|securemode=3,signmethod=hmacsha1|`, codes: ["client_id.id_too_long"] },
  { input: "d|securemode=3,signmethod=hmacsha512|", codes: ["client_id.sign_method"], path: ["clientId", "params", "signmethod"] },
  { input: "d|securemode=1,signmethod=hmacsha1|", codes: ["client_id.secure_mode"] },
  { input: "d|signmethod=hmacsha1|", codes: ["client_id.missing_param"], path: ["clientId", "params", "securemode"] },
  { input: "d|securemode=3|", codes: ["client_id.missing_param"] },
  { input: "d|securemode=3,signmethod=hmacsha1,timestamp=soon|", codes: ["client_id.timestamp"] },
  { input: "d|securemode=3,securemode=2,signmethod=hmacsha1|", codes: ["client_id.duplicate_param"] },
  { input: "d|securemode=3,signmethod=hmacsha1,novalue|", codes: ["client_id.bad_param"], path: ["clientId", "params", 2] },
  // several problems are all reported, not just the first
  { input: "|securemode=9|", codes: ["client_id.empty_id", "client_id.secure_mode", "client_id.missing_param"] },
];

for (const { input, codes, path } of badClientIds) {
  test(`parseClientId refuses ${JSON.stringify(input.length > 40 ? input.slice(0, 40) + "…" : input)}`, () => {
    const result = safeParseClientId(input);
    assert.equal(result.success, false);
    if (result.success) return;
    assert.deepEqual(
      result.error.issues.map((i) => i.code),
      codes,
    );
    for (const issue of result.error.issues) assert.ok(issue.message.length > 0);
    if (path) assert.deepEqual(result.error.issues[0]!.path, path);
    assert.throws(() => parseClientId(input), (error: unknown) => error instanceof DeviceInputError && error.issues.length === codes.length);
  });
}

test("parseUsername reads deviceName&productKey", () => {
  assert.deepEqual(parseUsername("device1&a1B2c3D4e5F"), { deviceName: "device1", productKey: "a1B2c3D4e5F" });
  assert.throws(() => parseUsername("device1"), DeviceInputError);
  assert.throws(() => parseUsername("&pk"), DeviceInputError);
});

test("explainCredentials accepts a good login and shows what was signed, never the secret", () => {
  const device = createDevice({ deviceName: "device1", productKey: "a1B2c3D4e5F" });
  const credentials = signMqttCredentials(device, { timestamp: 1700000000000, signMethod: "hmacsha256" });
  // as mqtt-packet decodes it: the password is a Buffer
  const result = explainCredentials({ clientId: credentials.clientId, username: credentials.username, password: Buffer.from(credentials.password) }, [device]);
  assert.equal(result.ok, true);
  assert.equal(result.returnCode, 0);
  assert.deepEqual(result.device, { productKey: "a1B2c3D4e5F", deviceName: "device1", enabled: true });
  assert.equal(result.signMethod, "hmacsha256");
  assert.equal(result.secureMode, 3);
  assert.equal(result.timestamp, 1700000000000);
  assert.equal(result.signedString, "clientIda1B2c3D4e5F.device1deviceNamedevice1productKeya1B2c3D4e5Ftimestamp1700000000000");
  assert.equal(result.expectedPassword, credentials.password);
  assert.ok(result.checks.every((c) => c.ok));
  assert.deepEqual(
    result.checks.map((c) => c.check),
    ["clientId.format", "username.format", "device.exists", "device.enabled", "password.present", "password.signature"],
  );
  assert.ok(!JSON.stringify(result).includes(device.deviceSecret));
});

test("explainCredentials accepts an upper-case hex password", () => {
  const c = signMqttCredentials(kat, katOptions);
  assert.equal(explainCredentials({ ...c, password: c.password.toUpperCase() }, [kat]).ok, true);
});

test("explainCredentials says why a login fails, with the platform's return code", () => {
  const device = createDevice({ deviceName: "device1", productKey: "a1B2c3D4e5F" });
  const good = signMqttCredentials(device);
  const cases = [
    { connect: { ...good, clientId: "device1" }, returnCode: 2, failed: "clientId.format" },
    { connect: { ...good, username: "device1" }, returnCode: 4, failed: "username.format" },
    // 4 as for a wrong password: the answer does not tell which devices exist
    { connect: { ...good, username: "ghost&a1B2c3D4e5F" }, returnCode: 4, failed: "device.exists" },
    { connect: { ...good, password: "0".repeat(40) }, returnCode: 4, failed: "password.signature" },
    { connect: { clientId: good.clientId, username: good.username }, returnCode: 4, failed: "password.present" },
  ];
  for (const { connect, returnCode, failed } of cases) {
    const result = explainCredentials(connect, [device]);
    assert.equal(result.ok, false, failed);
    assert.equal(result.returnCode, returnCode, failed);
    const check = result.checks.find((c) => !c.ok);
    assert.equal(check?.check, failed);
    assert.ok(check!.detail.length > 0);
    assert.ok(!JSON.stringify(result).includes(device.deviceSecret));
  }
  const disabled = explainCredentials(good, [{ ...device, enabled: false }]);
  assert.equal(disabled.returnCode, 5);
  assert.equal(disabled.checks.find((c) => !c.ok)?.check, "device.enabled");
});

test("createDevice makes console-style identities from a random source", () => {
  let n = 0;
  const counting = (size: number) => Uint8Array.from({ length: size }, () => n++ % 256);
  const device = createDevice({ deviceName: "device1", random: counting });
  assert.match(device.productKey, /^a1[A-Za-z0-9]{9}$/);
  assert.match(device.deviceSecret, /^[0-9a-f]{32}$/);
  const again = createDevice({ deviceName: "device1" });
  assert.notEqual(again.deviceSecret, createDevice({ deviceName: "device1" }).deviceSecret);
  assert.equal(maskSecret("0123456789abcdef0123456789abcdef"), "0123****");
});

test("createDevice enforces the console's deviceName and productKey rules", () => {
  for (const ok of ["dev1", "a-b_c@d.e:f", "x".repeat(32)]) assert.doesNotThrow(() => createDevice({ deviceName: ok }));
  const cases: [string, string][] = [
    ["abc", "device_name.length"],
    ["x".repeat(33), "device_name.length"],
    ["dev ice", "device_name.characters"],
    ["设备一号", "device_name.characters"],
  ];
  for (const [name, code] of cases) {
    assert.throws(
      () => createDevice({ deviceName: name }),
      (error: unknown) => error instanceof DeviceInputError && error.issues.some((i) => i.code === code),
      name,
    );
  }
  assert.throws(() => createDevice({ deviceName: "device1", productKey: "short" }), /productKey must be 11 letters and digits/);
});

test("explainCredentials checks the signature's age when given a window, and says why", () => {
  const device = createDevice({ deviceName: "device1", productKey: "a1B2c3D4e5F" });
  const now = Date.UTC(2026, 0, 1, 12);
  const window = { signatureMaxAgeMs: 15 * 60_000, now };
  const fresh = explainCredentials(signMqttCredentials(device, { timestamp: now - 60_000 }), [device], window);
  assert.equal(fresh.ok, true);
  assert.deepEqual(fresh.checks.find((c) => c.check === "timestamp.age"), { check: "timestamp.age", ok: true, detail: "signed 60 s ago, within 15 min" });
  const stale = explainCredentials(signMqttCredentials(device, { timestamp: now - 3 * 86_400_000 }), [device], window);
  assert.equal(stale.ok, false);
  assert.equal(stale.returnCode, 4);
  assert.match(stale.checks.find((c) => !c.ok)!.detail, /^signed at 2025-12-29T12:00:00\.000Z, 3 d ago; the platform accepts a signature whose timestamp is within 15 min of its clock/);
  const none = explainCredentials(signMqttCredentials(device, { timestamp: null }), [device], window);
  assert.equal(none.returnCode, 4);
  assert.match(none.checks.find((c) => !c.ok)!.detail, /carries no timestamp/);
  // Without a window (a capture replayed long after) the age is not checked.
  const replay = explainCredentials(signMqttCredentials(device, { timestamp: now - 3 * 86_400_000 }), [device]);
  assert.equal(replay.ok, true);
  assert.equal(replay.checks.some((c) => c.check === "timestamp.age"), false);
});
