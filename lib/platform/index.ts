// The embedded IoT platform: an aedes broker with the cloud platform's login,
// topic rules, device log and status notices.
export * from "./platform";
export * from "./login";
export * from "./device-log";
export * from "./status-notice";
export * from "./thing-model";
export { WireConnection, V5_REASON, v5ReasonLabels, type WireObserver, type WireConnectionOptions, type WirePacket } from "./wire-connection";
export { DEFAULT_MAX_PACKET_SIZE, PacketSizeWatch } from "./packet-size";
