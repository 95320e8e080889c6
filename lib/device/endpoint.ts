/**
 * The cloud MQTT endpoint of a product on the public instance:
 * `${productKey}.iot-as-mqtt.${region}.aliyuncs.com`, port 1883 for both plain
 * TCP (securemode=3) and TLS (securemode=2).
 */
import { DeviceInputError, InputIssueCode, inputIssue } from "./issues";
import { productKeyIssues } from "./identity";

export interface CloudEndpoint {
  host: string;
  port: number;
  /** `mqtt://host:port` or `mqtts://host:port` */
  url: string;
}

/** Region ids look like `cn-shanghai`, `ap-southeast-1`, `us-west-1`. */
export const REGION_PATTERN = /^[a-z]{2}(-[a-z0-9]+)+$/;

export const CLOUD_MQTT_PORT = 1883;

export function endpointFor(region: string, productKey: string, options: { tls?: boolean } = {}): CloudEndpoint {
  const issues = productKeyIssues(productKey);
  if (!REGION_PATTERN.test(region)) issues.unshift(inputIssue(InputIssueCode.regionFormat, ["region"], "region must be a region id such as cn-shanghai", region));
  if (issues.length > 0) throw new DeviceInputError(issues);
  const host = `${productKey}.iot-as-mqtt.${region}.aliyuncs.com`;
  const port = CLOUD_MQTT_PORT;
  return { host, port, url: `${options.tls ? "mqtts" : "mqtt"}://${host}:${port}` };
}
