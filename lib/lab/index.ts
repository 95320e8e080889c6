// The lab around the analysis: "iot-wire-lab/lab" (or "../dist/lib/lab" from
// notebooks/). Device identity and credentials, the embedded IoT platform, the
// device simulator, live capture, and what joins them: a simulation against a
// fresh embedded platform when no broker is given, the platform on the MQTT
// port, recording and replaying a run, and the device log beside the packets.
export * from "../device/index";

// The embedded IoT platform (its wire-level internals stay inside lib/platform).
export * from "../platform/platform";
export * from "../platform/login";
export * from "../platform/device-log";
export * from "../platform/status-notice";
export * from "../platform/thing-model";

// The device simulator (its random-number generator stays inside lib/simulator).
export * from "../simulator/events";
export * from "../simulator/device-run";
export * from "../simulator/simulation";
export * from "../simulator/misbehaviour";

// Live capture with dumpcap or tcpdump.
export * from "../live/index";

// The lab's own joins. simulate and runSimulation here start an embedded platform when no broker is given.
export { simulate, runSimulation, startEmbeddedPlatform } from "./simulate";
export { startPlatformOnMqttPort, MQTT_PORT, type PlatformOnMqttPort } from "./mqtt-port";
export { recordSimulation, type RecordSimulationOptions, type RecordedSimulation } from "./record";
export { replayEvents, replaySimulation, type ReplayOptions } from "./replay";
export { matchDeviceLog, deviceLogMatchColumns, type DeviceLogMatch, type MatchDeviceLogOptions } from "./device-log-match";
