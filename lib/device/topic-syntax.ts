// Topic name and filter syntax (MQTT 3.1.1 §4.7). Internal: not re-exported
// from the package, so it cannot clash with the MQTT decoder's own helpers.

/** MQTT 3.1.1 §4.7.1: `#` only as the last level, `+` and `#` only as a whole level. */
export function isValidTopicFilter(filter: string): boolean {
  if (filter.length === 0 || filter.includes("\u0000")) return false;
  const levels = filter.split("/");
  return levels.every((level, i) => {
    if (level === "#") return i === levels.length - 1;
    if (level === "+") return true;
    return !level.includes("#") && !level.includes("+");
  });
}

/** A topic name a client may publish to: no wildcards [MQTT-3.3.2-2]. */
export function isValidTopicName(topic: string): boolean {
  return topic.length > 0 && !topic.includes("#") && !topic.includes("+") && !topic.includes("\u0000");
}

/** Does a topic name match a subscription filter (MQTT 3.1.1 §4.7)? */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split("/");
  const t = topic.split("/");
  // [MQTT-4.7.2-1]: wildcards at the first level do not match topics starting with $.
  if (topic.startsWith("$") && (f[0] === "#" || f[0] === "+")) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === "#") return true; // also matches the parent level [MQTT-4.7.1-2]
    if (i >= t.length) return false;
    if (f[i] !== "+" && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
