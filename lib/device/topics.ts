/**
 * A device's topics, and the platform's rule for which topics a device may use:
 * only its own, `/${productKey}/${deviceName}/…` (custom topics, e.g. the
 * tutorial's `/user/update` and `/user/get`) and `/sys/${productKey}/${deviceName}/…`
 * (thing model). Topic levels and wildcards follow MQTT 3.1.1 §4.7.
 */
import type { DeviceIdentity } from "./identity";
import { isValidTopicFilter, isValidTopicName } from "./topic-syntax";

export interface DeviceTopics {
  /** The tutorial's upstream topic (device → platform). */
  userUpdate: string;
  /** The tutorial's downstream topic (platform → device). */
  userGet: string;
  /** Thing model: the device reports properties here (Alink JSON)… */
  propertyPost: string;
  /** …and the platform answers here. */
  propertyPostReply: string;
  /** Online/offline notices; server-side only, a device cannot subscribe to it. */
  status: string;
}

export function deviceTopics(device: DeviceIdentity): DeviceTopics {
  const { productKey: pk, deviceName: dn } = device;
  return {
    userUpdate: `/${pk}/${dn}/user/update`,
    userGet: `/${pk}/${dn}/user/get`,
    propertyPost: `/sys/${pk}/${dn}/thing/event/property/post`,
    propertyPostReply: `/sys/${pk}/${dn}/thing/event/property/post_reply`,
    status: `/as/mqtt/status/${pk}/${dn}`,
  };
}

/** The topic prefixes (as level arrays) that belong to a device. */
function ownPrefixes(device: DeviceIdentity): string[][] {
  return [
    ["", device.productKey, device.deviceName],
    ["", "sys", device.productKey, device.deviceName],
  ];
}

/**
 * Does a filter lie entirely inside `prefix` (the prefix itself or below it)?
 * Every level of the prefix must be matched literally: a `+` there could match
 * another device's level and a `#` there could match anything [MQTT-4.7.1-2].
 * After the prefix any level, wildcards included, stays inside it.
 */
function filterWithin(levels: string[], prefix: string[]): boolean {
  if (levels.length < prefix.length) return false;
  return prefix.every((level, i) => levels[i] === level);
}

export interface TopicRuleOptions {
  /** Treat `topic` as a subscription filter, so `+` and `#` are wildcards (default true). */
  filter?: boolean;
}

/**
 * The platform's authorization rule: may this device use this topic? For a
 * subscription filter the answer is yes only if every topic the filter can
 * match is the device's own, so `/${pk}/${dn}/user/#` is allowed and
 * `/${pk}/+/user/get` or `#` are not. A topic name to publish to may not hold
 * wildcards at all.
 */
export function isDeviceTopic(device: DeviceIdentity, topic: string, options: TopicRuleOptions = {}): boolean {
  const asFilter = options.filter ?? true;
  if (asFilter ? !isValidTopicFilter(topic) : !isValidTopicName(topic)) return false;
  const levels = topic.split("/");
  return ownPrefixes(device).some((prefix) => filterWithin(levels, prefix));
}
