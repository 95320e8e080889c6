// Device identity and credentials: certificates, the registry, signed MQTT
// logins, the platform's clientId format, endpoints and topic rules.
export * from "./issues";
export * from "./identity";
export * from "./client-id";
export * from "./credentials";
export * from "./login-codes";
export * from "./explain";
export * from "./endpoint";
export * from "./topics";
export * from "./registry";
