import { test } from "node:test";
import assert from "node:assert/strict";
import { deviceTopics, endpointFor, isDeviceTopic, DeviceInputError } from "../lib/device";

const device = { productKey: "a1B2c3D4e5F", deviceName: "device1" };

test("deviceTopics lists the tutorial, thing-model and status topics", () => {
  assert.deepEqual(deviceTopics(device), {
    userUpdate: "/a1B2c3D4e5F/device1/user/update",
    userGet: "/a1B2c3D4e5F/device1/user/get",
    propertyPost: "/sys/a1B2c3D4e5F/device1/thing/event/property/post",
    propertyPostReply: "/sys/a1B2c3D4e5F/device1/thing/event/property/post_reply",
    status: "/as/mqtt/status/a1B2c3D4e5F/device1",
  });
});

// [filter, allowed?] for subscriptions: allowed only if all it can match is the device's own.
const filters: [string, boolean][] = [
  ["/a1B2c3D4e5F/device1/user/get", true],
  ["/a1B2c3D4e5F/device1/user/#", true],
  ["/a1B2c3D4e5F/device1/+/get", true],
  ["/a1B2c3D4e5F/device1/#", true],
  ["/sys/a1B2c3D4e5F/device1/thing/event/property/post_reply", true],
  ["/sys/a1B2c3D4e5F/device1/thing/#", true],
  ["/a1B2c3D4e5F/+/user/get", false], // another device's level
  ["/+/device1/user/get", false],
  ["/a1B2c3D4e5F/#", false], // matches every device of the product
  ["/sys/a1B2c3D4e5F/+/thing/#", false],
  ["/sys/#", false],
  ["#", false],
  ["+/a1B2c3D4e5F/device1/user/get", false],
  ["a1B2c3D4e5F/device1/user/get", false], // no leading slash: another topic
  ["/a1B2c3D4e5F/device2/user/get", false],
  ["/a1B2c3D4e5F/device1x/user/get", false],
  ["/as/mqtt/status/a1B2c3D4e5F/device1", false], // server-side only
  ["/a1B2c3D4e5F/device1/user/#/x", false], // invalid filter
  ["/a1B2c3D4e5F/device1/us+er", false], // invalid filter
  ["", false],
];

for (const [filter, allowed] of filters) {
  test(`subscribe ${JSON.stringify(filter)} is ${allowed ? "allowed" : "forbidden"}`, () => {
    assert.equal(isDeviceTopic(device, filter), allowed);
  });
}

test("publish topics may not hold wildcards at all", () => {
  assert.equal(isDeviceTopic(device, "/a1B2c3D4e5F/device1/user/update", { filter: false }), true);
  assert.equal(isDeviceTopic(device, "/a1B2c3D4e5F/device1/user/#", { filter: false }), false);
  assert.equal(isDeviceTopic(device, "/a1B2c3D4e5F/device1/+/update", { filter: false }), false);
  assert.equal(isDeviceTopic(device, "/other/device1/user/update", { filter: false }), false);
});

test("endpointFor builds the regional host and port", () => {
  assert.deepEqual(endpointFor("cn-shanghai", "a1B2c3D4e5F"), {
    host: "a1B2c3D4e5F.iot-as-mqtt.cn-shanghai.aliyuncs.com",
    port: 1883,
    url: "mqtt://a1B2c3D4e5F.iot-as-mqtt.cn-shanghai.aliyuncs.com:1883",
  });
  assert.equal(endpointFor("ap-southeast-1", "a1B2c3D4e5F", { tls: true }).url, "mqtts://a1B2c3D4e5F.iot-as-mqtt.ap-southeast-1.aliyuncs.com:1883");
  assert.throws(() => endpointFor("Shanghai", "a1B2c3D4e5F"), DeviceInputError);
  assert.throws(() => endpointFor("cn-shanghai", "pk/../x"), DeviceInputError);
});
