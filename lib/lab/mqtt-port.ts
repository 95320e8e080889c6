/**
 * The embedded platform on MQTT's own port when it can be had, so that
 * Wireshark decodes a live capture as MQTT without "Decode As" (its MQTT
 * dissector registers tcp.port 1883). A private network namespace (the
 * rootless mode) always has it free; elsewhere a local broker may hold it,
 * and then any free port is taken and the caller says that Decode As is needed.
 */
import { startPlatform, type Platform, type PlatformOptions } from "../platform/platform";

/** MQTT's registered port (IANA), where Wireshark looks for MQTT by itself. */
export const MQTT_PORT = 1883;

export interface PlatformOnMqttPort {
  platform: Platform;
  /** The platform listens on 1883. */
  onMqttPort: boolean;
  /** Why not, when not: the listen error, in a few words. */
  why?: string;
}

/** Starts the platform on 1883, or on a free port when 1883 cannot be had. */
export async function startPlatformOnMqttPort(options: Omit<PlatformOptions, "port">): Promise<PlatformOnMqttPort> {
  try {
    return { platform: await startPlatform({ ...options, port: MQTT_PORT }), onMqttPort: true };
  } catch (error) {
    const why = (error as Error).message.replace(/^cannot listen on \S+: /, "");
    return { platform: await startPlatform({ ...options, port: 0 }), onMqttPort: false, why };
  }
}
