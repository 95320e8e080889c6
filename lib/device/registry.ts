/**
 * The device registry: the lab's stand-in for the console's device list. It is
 * a JSON file (default `~/.iot-wire-lab/registry.json`, or
 * `$IOT_WIRE_LAB_HOME/registry.json`) holding device certificates, so it is
 * written atomically (temp file + rename) with mode 0600 in a 0700 folder.
 *
 * Mutations (add, remove, setEnabled, getOrCreate) save at once when the
 * registry has a file. Each one holds the lock file `registry.json.lock`
 * (file-lock.ts) while it re-reads the file, changes it and renames the new
 * copy into place, so that processes sharing the file (a running platform,
 * several `device create` at once) never undo each other's changes.
 */
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { acquireFileLock, FileLockError } from "./file-lock";
import { createDevice, deviceNameIssues, productKeyIssues, type CreateDeviceOptions, type Device, type DeviceIdentity } from "./identity";

/** A registered device. */
export interface DeviceRecord extends Device {
  /** ISO time the device was created. */
  createdAt: string;
  /** A disabled device is refused at login with CONNACK 5 (not authorized). */
  enabled: boolean;
}

/** A registry file that cannot be used, or an operation the registry refuses (e.g. a duplicate). */
export class RegistryError extends Error {
  override name = "RegistryError";
}

const FILE_VERSION = 1;

/** `$IOT_WIRE_LAB_HOME`, else `~/.iot-wire-lab`. */
export function labHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.IOT_WIRE_LAB_HOME ? resolve(env.IOT_WIRE_LAB_HOME) : join(homedir(), ".iot-wire-lab");
}

export function defaultRegistryPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(labHome(env), "registry.json");
}

function key(productKey: string, deviceName: string): string {
  return `${productKey}/${deviceName}`;
}

function isRecordLike(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function readRecords(path: string, text: string): DeviceRecord[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new RegistryError(`registry ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (!isRecordLike(data) || !Array.isArray(data.devices)) throw new RegistryError(`registry ${path} has no "devices" array`);
  return data.devices.map((entry: unknown, index: number) => {
    if (!isRecordLike(entry)) throw new RegistryError(`registry ${path}: devices[${index}] is not an object`);
    const { productKey, deviceName, deviceSecret } = entry;
    const problems = [...productKeyIssues(productKey), ...deviceNameIssues(deviceName)].map((i) => i.message);
    if (typeof deviceSecret !== "string" || !/^[0-9a-fA-F]{32}$/.test(deviceSecret)) problems.push("deviceSecret must be 32 hex characters");
    if (entry.enabled !== undefined && typeof entry.enabled !== "boolean") problems.push(`enabled must be true or false, got ${JSON.stringify(entry.enabled)}`);
    if (problems.length > 0) throw new RegistryError(`registry ${path}: devices[${index}]: ${problems.join("; ")}`);
    return {
      productKey: productKey as string,
      deviceName: deviceName as string,
      deviceSecret: deviceSecret as string,
      createdAt: typeof entry.createdAt === "string" ? entry.createdAt : new Date(0).toISOString(),
      enabled: entry.enabled !== false,
    };
  });
}

export interface GetOrCreateOptions extends Omit<CreateDeviceOptions, "productKey"> {
  productKey?: string;
}

export class DeviceRegistry {
  /** The file behind the registry; undefined for an in-memory one. */
  readonly path: string | undefined;
  private devices = new Map<string, DeviceRecord>();
  private loadedStamp = "";
  /** How many mutations are running (getOrCreate calls add): the lock is taken by the outermost. */
  private lockDepth = 0;

  private constructor(path: string | undefined) {
    this.path = path;
  }

  /** Opens the registry file (an absent file is an empty registry, created on the first save). */
  static load(path: string = defaultRegistryPath()): DeviceRegistry {
    const registry = new DeviceRegistry(resolve(path));
    registry.reload();
    return registry;
  }

  /** A registry that lives only in memory (tests, notebooks, a simulator given a device). */
  static inMemory(devices: Iterable<Device | DeviceRecord> = []): DeviceRegistry {
    const registry = new DeviceRegistry(undefined);
    for (const device of devices) registry.insert(device);
    return registry;
  }

  private stamp(): string {
    if (!this.path) return "";
    try {
      const st = statSync(this.path);
      return `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return "absent";
      throw error;
    }
  }

  /** Re-reads the file. */
  reload(): void {
    if (!this.path) return;
    const stamp = this.stamp();
    let text: string | undefined;
    try {
      text = readFileSync(this.path, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT") throw new RegistryError(`cannot read registry ${this.path}: ${(error as Error).message}`);
    }
    const records = text === undefined ? [] : readRecords(this.path, text);
    this.devices = new Map(records.map((r) => [key(r.productKey, r.deviceName), r]));
    this.loadedStamp = stamp;
  }

  /** Re-reads the file if another process changed it since; returns whether it did. */
  refresh(): boolean {
    if (!this.path || this.stamp() === this.loadedStamp) return false;
    this.reload();
    return true;
  }

  /**
   * Writes the registry: temp file (mode 0600) in the same folder, fsync,
   * rename over the old one. Mutations call it under the lock; a caller that
   * saves by hand from two processes at once should use a mutation instead.
   */
  save(): void {
    if (!this.path) return;
    const body = JSON.stringify({ version: FILE_VERSION, devices: this.list() }, null, 2) + "\n";
    const temp = `${this.path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    try {
      this.makeFolder();
      const fd = openSync(temp, "wx", 0o600);
      try {
        writeSync(fd, body);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      chmodSync(temp, 0o600); // the umask may have narrowed it; never widen beyond 0600
      renameSync(temp, this.path);
    } catch (error) {
      try {
        unlinkSync(temp);
      } catch {
        // never made, or already gone
      }
      throw this.writeError(error);
    }
    this.loadedStamp = this.stamp();
  }

  private makeFolder(): void {
    mkdirSync(dirname(this.path!), { recursive: true, mode: 0o700 });
  }

  /** One line for a write that failed: `cannot write registry FILE: permission denied (EACCES)`. */
  private writeError(error: unknown): RegistryError {
    if (error instanceof RegistryError) return error;
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "EACCES" || code === "EPERM"
        ? `permission denied (${code}) in ${dirname(this.path!)}`
        : code === "EROFS"
          ? "read-only file system (EROFS)"
          : code === "ENOSPC"
            ? "no space left on device (ENOSPC)"
            : (error as Error).message;
    return new RegistryError(`cannot write registry ${this.path}: ${why}`);
  }

  /**
   * Runs a change under the registry's lock: re-read the file, change, save.
   * Without a file (an in-memory registry) the change just runs.
   */
  private mutate<T>(change: () => T): T {
    if (!this.path || this.lockDepth > 0) {
      this.lockDepth++;
      try {
        return change();
      } finally {
        this.lockDepth--;
      }
    }
    let release: () => void;
    try {
      this.makeFolder();
      release = acquireFileLock(this.path);
    } catch (error) {
      if (error instanceof FileLockError) throw new RegistryError(`cannot write registry: ${error.message}`);
      throw this.writeError(error);
    }
    this.lockDepth++;
    try {
      this.reload();
      return change();
    } finally {
      this.lockDepth--;
      release();
    }
  }

  private insert(device: Device | DeviceRecord): DeviceRecord {
    const record: DeviceRecord = {
      productKey: device.productKey,
      deviceName: device.deviceName,
      deviceSecret: device.deviceSecret,
      createdAt: "createdAt" in device && typeof device.createdAt === "string" ? device.createdAt : new Date().toISOString(),
      enabled: "enabled" in device ? device.enabled !== false : true,
    };
    const k = key(record.productKey, record.deviceName);
    if (this.devices.has(k)) {
      throw new RegistryError(`device ${record.deviceName} already exists in product ${record.productKey}${this.path ? ` (registry ${this.path})` : ""}`);
    }
    this.devices.set(k, record);
    return record;
  }

  /** Adds a device; refuses a second device with the same productKey and deviceName. */
  add(device: Device | DeviceRecord): DeviceRecord {
    return this.mutate(() => {
      const record = this.insert(device);
      this.save();
      return { ...record };
    });
  }

  /** Makes a new device (new productKey unless one is given) and adds it. */
  create(options: CreateDeviceOptions): DeviceRecord {
    return this.add(createDevice(options));
  }

  get(productKey: string, deviceName: string): DeviceRecord | undefined {
    const record = this.devices.get(key(productKey, deviceName));
    return record ? { ...record } : undefined;
  }

  /** Devices with this name, in every product (or only `productKey`'s). */
  find(deviceName: string, productKey?: string): DeviceRecord[] {
    return this.list().filter((d) => d.deviceName === deviceName && (productKey === undefined || d.productKey === productKey));
  }

  /** Every device, sorted by productKey then deviceName. */
  list(): DeviceRecord[] {
    return [...this.devices.values()]
      .map((d) => ({ ...d }))
      .sort((a, b) => (a.productKey === b.productKey ? a.deviceName.localeCompare(b.deviceName) : a.productKey.localeCompare(b.productKey)));
  }

  get size(): number {
    return this.devices.size;
  }

  /** Removes a device; returns false when there was none. */
  remove(identity: DeviceIdentity): boolean {
    return this.mutate(() => {
      const removed = this.devices.delete(key(identity.productKey, identity.deviceName));
      if (removed) this.save();
      return removed;
    });
  }

  /** Enables or disables a device (a disabled device is refused at login). */
  setEnabled(identity: DeviceIdentity, enabled: boolean): DeviceRecord {
    return this.mutate(() => {
      const record = this.devices.get(key(identity.productKey, identity.deviceName));
      if (!record) throw new RegistryError(`no device ${identity.deviceName} in product ${identity.productKey}`);
      record.enabled = enabled;
      this.save();
      return { ...record };
    });
  }

  /**
   * The device with this name (in `productKey`, or the only product that has
   * one), or a new one. Demos use it so that re-runs reuse their devices. With
   * no productKey and no such device, the new device joins the product of the
   * registry's other devices when they all share one, so a fleet stays in one
   * product.
   */
  getOrCreate(options: GetOrCreateOptions): { device: DeviceRecord; created: boolean } {
    if (this.path && this.lockDepth === 0) {
      this.refresh();
      const known = this.find(options.deviceName, options.productKey);
      if (known.length === 1) return { device: known[0]!, created: false }; // no lock needed to read
      return this.mutate(() => this.getOrCreate(options));
    }
    const found = this.find(options.deviceName, options.productKey);
    if (found.length === 1) return { device: found[0]!, created: false };
    if (found.length > 1) {
      throw new RegistryError(`device ${options.deviceName} exists in ${found.length} products (${found.map((d) => d.productKey).join(", ")}); pass a productKey`);
    }
    let productKey = options.productKey;
    if (productKey === undefined) {
      const products = new Set(this.list().map((d) => d.productKey));
      if (products.size === 1) productKey = [...products][0];
    }
    const device = this.add(createDevice({ ...options, productKey }));
    return { device, created: true };
  }
}
