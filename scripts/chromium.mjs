// Launches Debian's headless Chromium through playwright-core, keeping its profile and crash folder out of $HOME.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM_BIN = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

export async function launchChromium() {
  if (!fs.existsSync(CHROMIUM_BIN)) throw new Error(`${CHROMIUM_BIN} not found: apt-get install chromium (or set CHROMIUM_BIN)`);
  const configHome = fs.mkdtempSync(path.join(os.tmpdir(), 'self-tracing-chromium-'));
  const browser = await chromium.launch({
    executablePath: CHROMIUM_BIN,
    headless: true,
    // Chromium writes ~/.config/chromium/Crash Reports even with a fresh profile
    env: { ...process.env, XDG_CONFIG_HOME: configHome },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  browser.on('disconnected', () => fs.rmSync(configHome, { recursive: true, force: true }));
  return browser;
}

/** Folder for screenshots and other artefacts a person looks at; ignored by git. */
export function testOutputDir(...segments) {
  const dir = path.resolve('.test-output', ...segments);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
