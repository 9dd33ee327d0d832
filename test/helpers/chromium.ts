/**
 * Headless Chromium for console tests: Debian's chromium driven by playwright-core, with a throwaway profile. A
 * missing browser skips the test with a notice on a user's machine and fails it in CI (SAMSA_REQUIRE_CLIENTS=1).
 *
 * Screenshots go to a temporary folder, or to the folder SAMSA_SCREENSHOTS names (relative to the project):
 * `SAMSA_SCREENSHOTS=docs/screenshots` refreshes the ones linked from the README; a plain test run never changes
 * tracked files.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { projectRoot } from './spec.js';

export const CHROMIUM = process.env['SAMSA_CHROMIUM'] ?? '/usr/bin/chromium';
const KEEP_SHOTS = process.env['SAMSA_SCREENSHOTS'];
const SHOTS = KEEP_SHOTS ? resolve(projectRoot, KEEP_SHOTS) : join(tmpdir(), `samsa-screenshots-${process.pid}`);

/** Saves a screenshot of `page` as `name`.png in the screenshots folder (the viewport only unless `fullPage`). */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
}

export interface Browser {
  context: BrowserContext;
  /** Opens a new page at `url` (absolute, or a path under `base` when one was given), recording console errors, page errors and failed requests in `problems`. */
  open(url: string): Promise<Page>;
  problems: string[];
  close(): Promise<void>;
}

/** Launches Chromium, or returns undefined after skipping (or failing, in CI) when it is not installed. */
export async function launchBrowser(t: TestContext, base = ''): Promise<Browser | undefined> {
  if (!existsSync(CHROMIUM)) {
    if (process.env['SAMSA_REQUIRE_CLIENTS'] === '1') assert.fail(`${CHROMIUM} is not installed`);
    t.skip(`${CHROMIUM} is not installed`);
    return undefined;
  }
  const { chromium } = await import('playwright-core');
  const profile = await mkdtemp(join(tmpdir(), 'samsa-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 860 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const problems: string[] = [];
  return {
    context,
    problems,
    async open(url) {
      const page = await context.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`${url}: console error: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`${url}: page error: ${e.message}`));
      page.on('response', (r) => {
        if (r.status() >= 400) problems.push(`${url}: ${r.status()} for ${r.url()}`);
      });
      await page.goto(`${base}${url}`);
      return page;
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
      if (!KEEP_SHOTS) await rm(SHOTS, { recursive: true, force: true });
    },
  };
}
