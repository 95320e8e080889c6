// The device simulator: the tutorial's device program over MQTT.js, for one
// device or a fleet, against the embedded platform or any broker.
export * from "./prng";
export * from "./events";
export * from "./device-run";
export * from "./simulation";
export * from "./misbehaviour";
export * from "./transport";
