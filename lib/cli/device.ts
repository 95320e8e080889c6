// `iot-wire-lab device …`: the device registry from the command line, like the
// console's device list. Secrets are masked unless --show-secret is given.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./errors";
import { DeviceInputError } from "../device/issues";
import { maskSecret, type DeviceIdentity } from "../device/identity";
import { DeviceRegistry, RegistryError, defaultRegistryPath, type DeviceRecord } from "../device/registry";
import { signMqttCredentials } from "../device/credentials";
import { isSignMethod, type SignMethod } from "../device/client-id";
import { terminalText } from "../text/terminal-text";

const USAGE = `usage: iot-wire-lab device <command> [options]

commands:
  create --name NAME [--product-key PK]   make a device, in the registry's product when it has
         [--new-product]                  exactly one, else (or with --new-product) in a new one
  list                                    list the registry's devices
  show NAME [--product-key PK]            show one device
  remove NAME [--product-key PK]          delete a device
  enable NAME | disable NAME              a disabled device is refused at login (CONNACK 5)
  sign NAME [--product-key PK]            print signed MQTT login parameters
       [--sign-method hmacmd5|hmacsha1|hmacsha256] [--timestamp MS|none]
       [--client-id ID] [--tls]

options:
  --registry FILE   the registry file (default ${defaultRegistryPath()})
  --json            print JSON (productKey, deviceName; deviceSecret only with --show-secret)
  --show-secret     print the deviceSecret instead of masking it`;

type Options = NonNullable<ParseArgsConfig["options"]>;

export interface CommandLine {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  /** A string option's value. */
  string(name: string): string | undefined;
  /** Was a boolean option given? */
  flag(name: string): boolean;
}

/** node:util parseArgs, with its errors turned into one-line usage errors. */
export function parseCommandLine(argv: string[], options: Options, command: string): CommandLine {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    const all = values as CommandLine["values"];
    return {
      values: all,
      positionals,
      string: (name) => (typeof all[name] === "string" ? (all[name] as string) : undefined),
      flag: (name) => all[name] === true,
    };
  } catch (error) {
    const first = (error as Error).message.split("\n")[0]!.split(". To specify")[0];
    throw new UsageError(`${first} (see \`iot-wire-lab ${command} --help\`)`);
  }
}

/** An integer option within bounds, or a UsageError naming it. */
export function intOption(value: string | undefined, name: string, bounds: { min?: number; max?: number } = {}): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw new UsageError(`--${name} must be an integer, got ${JSON.stringify(value)}`);
  const n = Number(value);
  if ((bounds.min !== undefined && n < bounds.min) || (bounds.max !== undefined && n > bounds.max)) {
    throw new UsageError(`--${name} must be between ${bounds.min ?? "-∞"} and ${bounds.max ?? "∞"}, got ${n}`);
  }
  return n;
}

/** A positive number option, or a UsageError naming it. */
export function numberOption(value: string | undefined, name: string, bounds: { min?: number; exclusiveMin?: number } = {}): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got ${JSON.stringify(value)}`);
  if (bounds.exclusiveMin !== undefined && !(n > bounds.exclusiveMin)) throw new UsageError(`--${name} must be more than ${bounds.exclusiveMin}, got ${n}`);
  if (bounds.min !== undefined && n < bounds.min) throw new UsageError(`--${name} must be at least ${bounds.min}, got ${n}`);
  return n;
}

/** Opens the registry, turning an unusable file into a one-line usage error. */
export function openRegistry(path: string | undefined): DeviceRegistry {
  try {
    return DeviceRegistry.load(path ?? defaultRegistryPath());
  } catch (error) {
    throw asUsageError(error);
  }
}

/** Registry and input errors are the user's to fix: print them as one line. */
export function asUsageError(error: unknown): unknown {
  if (error instanceof RegistryError || error instanceof DeviceInputError) return new UsageError(error.message);
  return error;
}

/** The device named NAME (in --product-key's product), or a usage error saying why not. */
export function findOne(registry: DeviceRegistry, name: string | undefined, productKey: string | undefined, command: string): DeviceRecord {
  if (!name) throw new UsageError(`${command} needs a device name (see \`iot-wire-lab device --help\`)`);
  const found = registry.find(name, productKey);
  if (found.length === 0) {
    throw new UsageError(`no device ${name}${productKey ? ` in product ${productKey}` : ""} in ${registry.path ?? "the registry"} (create it with \`iot-wire-lab device create --name ${name}\`)`);
  }
  if (found.length > 1) throw new UsageError(`device ${name} exists in ${found.length} products (${found.map((d) => d.productKey).join(", ")}); add --product-key`);
  return found[0]!;
}

/** The JSON form: productKey and deviceName, and the secret only when asked for. */
export function deviceJson(device: DeviceRecord, showSecret: boolean): DeviceIdentity & { deviceSecret?: string } {
  const out: DeviceIdentity & { deviceSecret?: string } = { productKey: device.productKey, deviceName: device.deviceName };
  if (showSecret) out.deviceSecret = device.deviceSecret;
  return out;
}

function describe(device: DeviceRecord, showSecret: boolean): string {
  const secret = showSecret ? device.deviceSecret : `${maskSecret(device.deviceSecret)}  (--show-secret prints it)`;
  return [
    `  productKey    ${device.productKey}`,
    `  deviceName    ${device.deviceName}`,
    `  deviceSecret  ${secret}`,
    `  status        ${device.enabled ? "enabled" : "disabled"}`,
    `  created       ${device.createdAt}`,
  ]
    .map(terminalText)
    .join("\n");
}

function table(devices: DeviceRecord[], showSecret: boolean): string {
  // A hand-edited registry may hold anything: control characters are escaped (terminal-text.ts).
  const rows = devices.map((d) => [d.productKey, d.deviceName, showSecret ? d.deviceSecret : maskSecret(d.deviceSecret), d.enabled ? "enabled" : "disabled", d.createdAt].map(terminalText));
  const head = ["productKey", "deviceName", "deviceSecret", "status", "created"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")).join("\n");
}

export async function run(argv: string[]): Promise<number> {
  const line = parseCommandLine(
    argv,
    {
      help: { type: "boolean", short: "h" },
      name: { type: "string" },
      "product-key": { type: "string" },
      registry: { type: "string" },
      json: { type: "boolean" },
      "show-secret": { type: "boolean" },
      "sign-method": { type: "string" },
      timestamp: { type: "string" },
      "client-id": { type: "string" },
      tls: { type: "boolean" },
      "new-product": { type: "boolean" },
    },
    "device",
  );
  const { positionals } = line;
  const [command, ...rest] = positionals;
  if (line.flag("help") || command === "help") {
    console.log(USAGE);
    return 0;
  }
  if (!command) throw new UsageError(`which device command? create, list, show, remove, enable, disable or sign (see \`iot-wire-lab device --help\`)`);
  const showSecret = line.flag("show-secret");
  const productKey = line.string("product-key");
  const registry = openRegistry(line.string("registry"));
  const name = rest[0] ?? line.string("name");
  if (rest.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(rest[1])}`);

  try {
    switch (command) {
      case "create": {
        if (!line.string("name") && !rest[0]) throw new UsageError("device create needs --name NAME");
        if (productKey !== undefined && line.flag("new-product")) throw new UsageError("give --product-key or --new-product, not both");
        const products = [...new Set(registry.list().map((d) => d.productKey))];
        const product = productKey ?? (products.length === 1 && !line.flag("new-product") ? products[0] : undefined);
        const device = registry.create({ deviceName: name!, productKey: product });
        if (line.flag("json")) console.log(JSON.stringify(deviceJson(device, showSecret)));
        else console.log(`created device ${device.deviceName} in ${registry.path}\n${describe(device, showSecret)}`);
        return 0;
      }
      case "list": {
        const devices = registry.list().filter((d) => productKey === undefined || d.productKey === productKey);
        if (line.flag("json")) console.log(JSON.stringify(devices.map((d) => deviceJson(d, showSecret))));
        else if (devices.length === 0) console.log(`no devices in ${registry.path} (create one with \`iot-wire-lab device create --name device1\`)`);
        else console.log(table(devices, showSecret));
        return 0;
      }
      case "show": {
        const device = findOne(registry, name, productKey, "device show");
        if (line.flag("json")) console.log(JSON.stringify(deviceJson(device, showSecret)));
        else console.log(`${device.deviceName}\n${describe(device, showSecret)}`);
        return 0;
      }
      case "remove": {
        const device = findOne(registry, name, productKey, "device remove");
        registry.remove(device);
        console.log(`removed device ${device.deviceName} (product ${device.productKey}) from ${registry.path}`);
        return 0;
      }
      case "enable":
      case "disable": {
        const device = findOne(registry, name, productKey, `device ${command}`);
        registry.setEnabled(device, command === "enable");
        console.log(`${command}d device ${device.deviceName} (product ${device.productKey})`);
        return 0;
      }
      case "sign": {
        const device = findOne(registry, name, productKey, "device sign");
        const method = line.string("sign-method") ?? "hmacsha1";
        if (!isSignMethod(method)) throw new UsageError(`--sign-method must be hmacmd5, hmacsha1 or hmacsha256, got ${JSON.stringify(method)}`);
        const ts = line.string("timestamp");
        const timestamp = ts === undefined ? undefined : ts === "none" ? null : intOption(ts, "timestamp", { min: 0 });
        const credentials = signMqttCredentials(device, { signMethod: method as SignMethod, timestamp, clientId: line.string("client-id"), tls: line.flag("tls") });
        if (line.flag("json")) console.log(JSON.stringify(credentials));
        else {
          console.log(`MQTT login for ${device.productKey}/${device.deviceName} (a password signed for this clientId; it does not reveal the deviceSecret)`);
          console.log(`  clientId  ${credentials.clientId}`);
          console.log(`  username  ${credentials.username}`);
          console.log(`  password  ${credentials.password}`);
        }
        return 0;
      }
      default:
        throw new UsageError(`unknown device command '${command}' (create, list, show, remove, enable, disable, sign)`);
    }
  } catch (error) {
    throw asUsageError(error);
  }
}
