// Types of scripts/chromium.mjs for the TypeScript tests that import it.
import type { Browser } from 'playwright-core';
export declare const CHROMIUM_BIN: string;
export declare function launchChromium(): Promise<Browser>;
export declare function testOutputDir(...segments: string[]): string;
