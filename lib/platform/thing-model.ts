/**
 * The thing model's property report (Alink JSON). A device posts
 * `{"id":"123","version":"1.0","params":{…},"method":"thing.event.property.post"}`
 * to `/sys/${pk}/${dn}/thing/event/property/post`; the platform answers on the
 * same topic plus `_reply` with the request's id, code 200 and an empty data
 * object.
 */

export const PROPERTY_POST_METHOD = "thing.event.property.post";

export interface PropertyPostReply {
  code: number;
  data: Record<string, never>;
  id: string | number;
  message: string;
  method: string;
  version: string;
}

/** `/sys/pk/dn/thing/event/property/post` → its `_reply` topic, or undefined for any other topic. */
export function propertyPostReplyTopic(topic: string): string | undefined {
  return /^\/sys\/[^/]+\/[^/]+\/thing\/event\/property\/post$/.test(topic) ? `${topic}_reply` : undefined;
}

/**
 * The reply to a property post, or undefined when the payload is not a JSON
 * object with an `id` (the platform cannot answer a request it cannot name).
 * Key order matches the platform's: code, data, id, message, method, version.
 */
export function propertyPostReply(payload: Uint8Array | string): PropertyPostReply | undefined {
  let request: unknown;
  try {
    request = JSON.parse(typeof payload === "string" ? payload : Buffer.from(payload).toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof request !== "object" || request === null || Array.isArray(request)) return undefined;
  const id = (request as { id?: unknown }).id;
  if (typeof id !== "string" && typeof id !== "number") return undefined;
  return { code: 200, data: {}, id, message: "success", method: PROPERTY_POST_METHOD, version: "1.0" };
}
