import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test as base } from '@playwright/test';
import { SpecmatchApp } from '../pages/SpecmatchApp.js';
import type { RunningApp, WebServerHandle } from './launch.js';
import { electronBinary, openElectronApp, openWebApp, startWeb } from './launch.js';
import { ARTIFACTS } from './paths.js';

interface WorkerFixtures {
  /** The web server of this worker (web project only; null under Electron). */
  server: WebServerHandle | null;
}

interface TestFixtures {
  running: RunningApp;
  app: SpecmatchApp;
  /** Save a screenshot of the page as an artifact: e2e/artifacts/screenshots/<project>/<name>.png. */
  shot: (name: string) => Promise<string>;
}

let skipAnnounced = false;

/**
 * Each test gets the app in the project's shell. The web project shares one server (and library) per worker, so
 * specs must not depend on each other's changes (they use their own substance names); Electron starts per test.
 */
export const test = base.extend<TestFixtures, WorkerFixtures>({
  server: [
    // Playwright requires an object pattern for a fixture's first parameter, even when it uses no other fixture.
    // eslint-disable-next-line no-empty-pattern
    async ({}, use, workerInfo) => {
      if (workerInfo.project.metadata['shell'] !== 'web') {
        await use(null);
        return;
      }
      const server = await startWeb();
      await use(server);
      await server.stop();
    },
    { scope: 'worker', timeout: 120_000 },
  ],
  running: async ({ browser, server }, use, testInfo) => {
    let running: RunningApp;
    if (testInfo.project.metadata['shell'] === 'electron') {
      const bin = electronBinary();
      if ('reason' in bin && !skipAnnounced) {
        // Visible in every reporter (the list reporter does not print skip reasons), like describeShared's skips.
        process.stderr.write(`[skip] Electron e2e: ${bin.reason}\n`);
        skipAnnounced = true;
      }
      testInfo.skip('reason' in bin, 'reason' in bin ? `Electron: ${bin.reason}` : '');
      running = await openElectronApp((bin as { path: string }).path);
    } else {
      running = await openWebApp(browser, server!);
    }
    // Fail on any uncaught page error or CSP violation: "nothing breaks" is checked in every test.
    const problems: string[] = [];
    running.page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    running.page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text()))
        problems.push(`console: ${m.text()}`);
    });
    await use(running);
    await running.close();
    if (problems.length > 0) throw new Error(problems.join('\n'));
  },
  app: async ({ running }, use) => {
    const app = new SpecmatchApp(running.page);
    await app.waitReady();
    await use(app);
  },
  shot: async ({ running }, use, testInfo) => {
    await use(async (name) => {
      const dir = join(ARTIFACTS, 'screenshots', testInfo.project.name);
      mkdirSync(dir, { recursive: true });
      const size = running.page.viewportSize();
      const file = join(dir, `${name}${size ? `-${size.width}x${size.height}` : ''}.png`);
      await running.page.screenshot({ path: file });
      await testInfo.attach(name, { path: file, contentType: 'image/png' });
      return file;
    });
  },
});

export { expect } from '@playwright/test';
