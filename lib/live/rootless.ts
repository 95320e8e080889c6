/**
 * Capturing without being root. Capturing needs CAP_NET_RAW (and
 * CAP_NET_ADMIN for some interfaces): Debian gives dumpcap these as file
 * capabilities for members of the `wireshark` group, and `setcap` does the
 * same by hand (permissionFixes says how, per system).
 *
 * Rootless mode (Linux): `unshare -rn` makes a user namespace in which we are
 * root, and a network namespace with its own loopback. There dumpcap can
 * capture `lo` as an unprivileged user. tcpdump cannot: it tries to give its
 * savefile to its own user ("Couldn't change ownership of savefile").
 * Everything that talks on the captured port must run in the same namespace,
 * so the whole command re-executes inside it (runRootless).
 */
import { spawn, spawnSync } from "node:child_process";
import { LiveCaptureError } from "./errors";
import { findExecutable, type CaptureHost } from "./tools";

/**
 * "1" in the environment of a command re-executed inside `unshare -rn`; "0"
 * turns the rootless mode off (it is then never chosen automatically).
 */
export const ROOTLESS_ENV = "IOT_WIRE_LAB_ROOTLESS";

/** Is this process the re-executed one, inside the private namespace? */
export function insideRootless(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[ROOTLESS_ENV] === "1";
}

export interface RootlessSupport {
  possible: boolean;
  /** Why not, or how. */
  reason: string;
}

let rootlessCache: RootlessSupport | undefined;

/**
 * Can this machine run the rootless mode? Linux, unshare, ip (or ifconfig) and
 * dumpcap present, and the kernel allows an unprivileged user namespace (tried
 * once with `unshare -rn true`, then remembered).
 */
export function rootlessSupport(): RootlessSupport {
  if (rootlessCache) return rootlessCache;
  rootlessCache = checkRootless();
  return rootlessCache;
}

function checkRootless(): RootlessSupport {
  if (process.platform !== "linux") return { possible: false, reason: "rootless mode needs Linux user and network namespaces" };
  if (insideRootless()) return { possible: true, reason: "already inside the rootless namespace" };
  if (process.env[ROOTLESS_ENV] === "0") return { possible: false, reason: `turned off by ${ROOTLESS_ENV}=0` };
  const unshare = findExecutable("unshare");
  if (!unshare) return { possible: false, reason: "unshare is not installed (sudo apt-get install util-linux)" };
  if (!findExecutable("ip") && !findExecutable("ifconfig")) return { possible: false, reason: "neither ip nor ifconfig is installed to bring the namespace's loopback up (sudo apt-get install iproute2)" };
  if (!findExecutable("dumpcap")) return { possible: false, reason: "rootless mode needs dumpcap (tcpdump cannot write its file there): sudo apt-get install tshark" };
  const run = spawnSync(unshare, ["-rn", "true"], { encoding: "utf8", timeout: 5000 });
  if (run.status !== 0) {
    const why = (run.stderr ?? "").trim().split("\n")[0] || `exit code ${run.status}`;
    return {
      possible: false,
      reason: `this kernel or container does not allow unprivileged user namespaces (unshare -rn: ${why}); on Debian/Ubuntu: sudo sysctl -w kernel.unprivileged_userns_clone=1 (or kernel.apparmor_restrict_unprivileged_userns=0)`,
    };
  }
  return { possible: true, reason: "unshare -rn works: dumpcap can capture the loopback of a private network namespace" };
}

/** How to get the right to capture, for macOS and Windows (Linux: see permissionFixes). */
export function permissionAdvice(host: Pick<CaptureHost, "platform">): string[] | undefined {
  if (host.platform === "win32") {
    return [
      "run the terminal as Administrator (right-click → Run as administrator), or",
      "reinstall Npcap without \"Restrict Npcap driver's access to Administrators only\", and with \"Support loopback traffic\"",
    ];
  }
  if (host.platform === "darwin") {
    return [
      "let your user read the BPF devices: run \"Install ChmodBPF.pkg\" from the Wireshark disk image (it adds you to the access_bpf group), then log out and in",
      "or for this session only: sudo chmod o+r /dev/bpf*",
      "or run the command with sudo",
    ];
  }
  return undefined;
}

/** How to get permission to capture. */
export function permissionFixes(rootless: RootlessSupport = rootlessSupport(), platform: NodeJS.Platform = process.platform): string[] {
  const advice = permissionAdvice({ platform });
  if (advice) return advice;
  const fixes = [
    "give dumpcap the capture capabilities: sudo setcap cap_net_raw,cap_net_admin+eip $(command -v dumpcap)",
    "or join the wireshark group: sudo usermod -aG wireshark $USER, then log out and log in again (on Debian/Ubuntu first: sudo dpkg-reconfigure wireshark-common, answer Yes)",
  ];
  fixes.push(
    rootless.possible
      ? "or use the rootless mode, which needs no privileges: add --rootless (e.g. iot-wire-lab tutorial --rootless)"
      : `or use the rootless mode (--rootless) where the kernel allows it; here: ${rootless.reason}`,
  );
  fixes.push("or run the command as root (sudo)");
  return fixes;
}

/** "Permission denied" and "You don't have permission" as tcpdump, dumpcap and libpcap word them. */
export function isPermissionMessage(text: string): boolean {
  return /you don't have permission|permission denied|operation not permitted|not permitted to capture|EACCES|EPERM/i.test(text);
}

// ---- rootless re-execution ----------------------------------------------------

export interface RootlessCommand {
  command: string;
  args: string[];
}

/**
 * `unshare -rn sh -c 'bring lo up; exec "$@"' sh COMMAND ARGS…`: the command
 * runs as root of a new user namespace (mapped to the calling user), in a new
 * network namespace whose loopback is brought up first.
 */
export function rootlessCommand(command: string, args: readonly string[]): RootlessCommand {
  const unshare = findExecutable("unshare") ?? "unshare";
  const ip = findExecutable("ip");
  const ifconfig = findExecutable("ifconfig");
  const up = ip ? `"${ip}" link set lo up` : ifconfig ? `"${ifconfig}" lo up` : "ip link set lo up";
  return { command: unshare, args: ["-rn", "sh", "-c", `${up} && exec "$@"`, "iot-wire-lab-rootless", command, ...args] };
}

/**
 * Runs a command inside `unshare -rn` with IOT_WIRE_LAB_ROOTLESS=1 in its
 * environment, its stdio joined to ours; resolves to its exit code. A CLI
 * re-executes itself this way (the flag tells the inner run not to do it again).
 */
export function runRootless(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<number> {
  const support = rootlessSupport();
  if (!support.possible) return Promise.reject(new LiveCaptureError("rootless", `rootless mode is not possible here: ${support.reason}`));
  const { command: unshare, args: unshareArgs } = rootlessCommand(command, args);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(unshare, unshareArgs, { stdio: "inherit", env: { ...(options.env ?? process.env), [ROOTLESS_ENV]: "1" } });
    // Ctrl-C reaches the child directly (same process group); we only wait for it.
    const ignore = () => undefined;
    process.on("SIGINT", ignore);
    const done = () => process.off("SIGINT", ignore);
    child.once("error", (error) => {
      done();
      reject(new LiveCaptureError("rootless", `cannot run unshare: ${error.message}`));
    });
    child.once("exit", (code, signal) => {
      done();
      resolvePromise(code ?? (signal === "SIGINT" ? 130 : 1));
    });
  });
}
