import { defineConfig } from '@playwright/test';

/**
 * e2e of the app through the same page objects in two shells: the web mode (`specmatch web`, Debian's Chromium,
 * never a downloaded browser) and Electron (`_electron`, skipped with the reason when its binary is absent).
 * Screenshots of each view go to e2e/artifacts/screenshots/ (kept by CI as artifacts).
 */
export default defineConfig({
  testDir: './specs',
  outputDir: './artifacts/test-results',
  // One worker: the machine's CPUs are shared, and each worker starts its own server and library.
  workers: 1,
  fullyParallel: false,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [['list'], ['html', { outputFolder: 'artifacts/report', open: 'never' }]],
  use: {
    viewport: { width: 1280, height: 800 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env['SPECMATCH_CHROMIUM'] ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [
    { name: 'web', metadata: { shell: 'web' } },
    { name: 'electron', metadata: { shell: 'electron' } },
  ],
});
