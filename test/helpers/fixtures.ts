// Locates ../shared/fixtures next to the repository; tests skip with a clear message when it is absent.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root (this file compiles to dist/test/helpers/fixtures.js). */
export const repoRoot = resolve(fileURLToPath(import.meta.url), "../../../..");

const fixturesRoot = process.env.WEFT_FIXTURES ?? resolve(repoRoot, "../shared/fixtures");

/** Absolute path of a fixture, or null when the fixtures folder or the file is missing. */
export function fixturePath(rel: string): string | null {
  const p = join(fixturesRoot, rel);
  return existsSync(p) ? p : null;
}

/** Message for t.skip() when a fixture is missing. */
export function missingFixture(rel: string): string {
  return `fixture ${rel} not found under ${fixturesRoot} (set WEFT_FIXTURES or provide ../shared/fixtures)`;
}
