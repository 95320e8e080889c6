// Device behaviour checks: findings with their evidence, from an analysis or a stream of its events.
export * from "./finding";
export * from "./checker";
export { ALIYUN_KEEPALIVE } from "./aliyun";
