// Live capture of the lab's own traffic (dumpcap or tcpdump on the loopback),
// beside the file pipeline: lib/capture/ reads files, this folder makes them.
// The public part: start and stop a capture, what this machine may do, and
// the rootless mode.
export { startCapture, withCapture, resolveCaptureTool, captureFilter, type LiveCapture, type LiveCaptureOptions, type LiveCaptureResult, type LiveCaptureFormat, type StopOptions } from "./capture";
export { LiveCaptureError, type LiveCaptureErrorCode } from "./errors";
export { capabilities, type CaptureCapabilities } from "./capabilities";
export { rootlessSupport, runRootless, insideRootless, permissionFixes, ROOTLESS_ENV, type RootlessSupport } from "./rootless";
export { defaultLoopback, installFixes, type CaptureTool } from "./tools";
