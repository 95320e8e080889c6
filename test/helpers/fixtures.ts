import { join } from "node:path";

/** The project root (tests run from dist/test/...). */
export const projectRoot = join(__dirname, "..", "..", "..");
export const fixtureDir = join(projectRoot, "data", "captures");
export const goldenDir = join(projectRoot, "test", "golden");
