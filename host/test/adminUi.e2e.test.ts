import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { NOTIFICATION_SERVICE, runAsActor, systemActor } from '@cinatra/kernel';
import { testConfig } from '@cinatra/kernel/testing';
import { generateSigningKey, type SigningKey } from '@cinatra/sdk';
import { createPlatform, type Platform } from '@cinatra/host';
import { locateAdminUi } from '../src/server/adminUi.js';
import { launchChromium, screenshot, seriousAxeViolations } from './support/browser.js';
import { publishToEmbeddedRegistry, writeHelloExtension } from './support/extensionSetup.js';

/**
 * The admin UI end to end, in Debian's Chromium against a real platform on embedded defaults
 * (its own Postgres and Verdaccio): first-admin setup → sign out and in → a user, an
 * organization and a team → an API token → a publisher key → install a signed extension from
 * the instance registry through the consent dialog → its tools → disable it → each action in
 * the audit log → a live notification. Every screen is scanned with axe-core (no serious or
 * critical violations) and photographed into test-results/screenshots/.
 */

const ADMIN = { name: 'Ada Admin', email: 'ada@example.com', password: 'correct horse battery staple' };
const EXTENSION = '@acme/hello';

const work = mkdtempSync(join(tmpdir(), 'cinatra-e2e-'));
let platform: Platform;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let baseUrl: string;
let publisher: SigningKey;
let publishToken: string;

beforeAll(async () => {
  if (!locateAdminUi()) throw new Error('The admin UI is not built: run `npm run build` first.');
  platform = await createPlatform(testConfig());
  baseUrl = (await platform.start()).url;
  browser = await launchChromium();
  // bypassCSP lets the test inject axe-core; the app itself runs under the platform's CSP.
  context = await browser.newContext({
    baseURL: baseUrl,
    bypassCSP: true,
    viewport: { width: 1280, height: 900 },
  });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  publisher = generateSigningKey();
}, 180_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await platform?.stop();
  rmSync(work, { recursive: true, force: true });
});

// A failing step leaves a picture of what the browser showed.
afterEach(async ({ task }) => {
  if (task.result?.state === 'fail' && page) {
    await screenshot(page, `failed-${task.name.replaceAll(/[^a-z0-9]+/gi, '-')}`).catch(() => {});
  }
});

/** The page's one h1, once it shows `title`. */
async function heading(title: string | RegExp): Promise<void> {
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
}

/** Waits for the page to settle, checks it with axe-core and photographs it. */
async function inspect(name: string): Promise<void> {
  await page.waitForLoadState('networkidle');
  await page
    .locator('[aria-busy="true"]')
    .first()
    .waitFor({ state: 'detached', timeout: 10_000 })
    .catch(() => {});
  const violations = await seriousAxeViolations(page);
  await screenshot(page, name);
  expect(violations, `${name}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
}

async function navigate(group: string, link: string, title: string | RegExp): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link, exact: true }).click();
  await heading(title);
  expect(group).toBeTruthy();
}

/**
 * Gives the test extension what the host renders as forms: a setting and a connector whose
 * setup is a JSON Schema (extension UI as data; no extension code runs in the page).
 */
function declareSetupForms(dir: string): void {
  const file = join(dir, 'package.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as { cinatra: Record<string, unknown> };
  manifest.cinatra.kinds = ['mcp-tools', 'connector'];
  manifest.cinatra.settings = {
    greeting: { type: 'string', description: 'What the hello tool says', default: 'Hello' },
  };
  manifest.cinatra.contributes = {
    ...(manifest.cinatra.contributes as object),
    connectors: [
      {
        id: 'helpdesk',
        displayName: 'Helpdesk',
        description: 'Reads tickets from a helpdesk',
        setupSchema: {
          type: 'object',
          required: ['baseUrl', 'tokenSecret'],
          properties: {
            baseUrl: { type: 'string', format: 'uri', title: 'Helpdesk URL' },
            tokenSecret: { type: 'string', title: 'API token secret', 'x-cinatra-secret': true },
            pageSize: { type: 'integer', title: 'Tickets per page', minimum: 1, maximum: 100, default: 25 },
          },
        },
      },
    ],
  };
  writeFileSync(file, JSON.stringify(manifest));
}

async function auditRows(operation: string): Promise<number> {
  await page.getByLabel('Operation').fill(operation);
  await page.getByRole('button', { name: 'Apply filters' }).click();
  const table = page.getByRole('table');
  await table.getByRole('cell', { name: operation, exact: true }).first().waitFor();
  return table.getByRole('cell', { name: operation, exact: true }).count();
}

describe('the admin UI in a real browser', () => {
  test('first run: the setup page creates the first admin and signs in', async () => {
    await page.goto('/');
    await page.waitForURL('**/setup');
    await heading('Create the first administrator');
    await inspect('01-setup');
    await page.getByLabel('Setup token').fill(platform.setupToken!);
    await page.getByLabel('Your name').fill(ADMIN.name);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Create administrator and sign in' }).click();
    await heading('Installed extensions');
    expect(await page.getByTestId('signed-in-as').textContent()).toBe(ADMIN.name);
  });

  test('sign out, then sign in again where you were', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await heading('Sign in');
    await inspect('02-login');
    await page.goto('/audit');
    await page.waitForURL(/\/login\?next=(%2F|\/)audit$/);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /password/i })
      .waitFor();
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading('Audit log');
  });

  test('create a user, an organization and a team', async () => {
    await navigate('Access', 'Users', 'Users');
    await page.getByRole('button', { name: 'New user' }).click();
    const userDialog = page.getByRole('dialog', { name: 'New user' });
    await userDialog.getByLabel('Name').fill('Grace Hopper');
    await userDialog.getByLabel('Email').fill('grace@example.com');
    await userDialog.getByLabel('Initial password').fill('another long password');
    await userDialog.getByRole('button', { name: /Create/ }).click();
    await page.getByRole('cell', { name: 'grace@example.com' }).waitFor();
    await inspect('03-users');

    await navigate('Access', 'Organizations and teams', 'Organizations and teams');
    await page.getByRole('button', { name: 'New organization' }).click();
    const orgDialog = page.getByRole('dialog', { name: 'New organization' });
    await orgDialog.getByLabel('Name').fill('Acme Support');
    await orgDialog.getByRole('button', { name: 'Create organization' }).click();
    await page.getByRole('link', { name: 'Acme Support' }).first().click();
    await heading('Acme Support');
    await page.getByRole('button', { name: 'New team' }).click();
    const teamDialog = page.getByRole('dialog', { name: 'New team' });
    await teamDialog.getByLabel('Name').fill('Tier one');
    await teamDialog.getByRole('button', { name: 'Create team' }).click();
    await page.getByRole('link', { name: 'Tier one' }).waitFor();
    await inspect('04-organization');
    await page.getByRole('link', { name: 'Tier one' }).click();
    await heading(/Tier one/);
    await inspect('04-team');
  });

  test('create an API token: its secret is shown once', async () => {
    await navigate('Access', 'API tokens', 'API tokens');
    await page.getByRole('button', { name: 'New token' }).click();
    const dialog = page.getByRole('dialog', { name: 'New API token' });
    await dialog.getByLabel('Name').fill('publisher');
    await dialog.getByLabel('Narrower scopes').fill('registry_package:write');
    await dialog.getByRole('button', { name: 'Create token' }).click();
    const shown = page.getByRole('dialog', { name: 'Copy your new token' });
    publishToken = await shown.getByRole('textbox', { name: 'API token' }).inputValue();
    expect(publishToken).toMatch(/^cin_/);
    await inspect('05-token-created');
    await shown.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('cell', { name: 'publisher', exact: true }).waitFor();
    expect(await page.content()).not.toContain(publishToken);
  });

  test('trust a publisher key in the trust store', async () => {
    await navigate('Settings', 'Trust store', 'Trust store');
    await page.getByRole('button', { name: 'Add a key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a publisher key' });
    await dialog.getByLabel('Public key (PEM)').fill(publisher.publicKeyPem);
    await dialog.getByLabel('Publisher').fill('acme');
    await dialog.getByLabel('Tier').selectOption('community');
    await dialog.getByRole('button', { name: 'Trust key' }).click();
    await page.getByRole('row', { name: /acme Community/ }).waitFor();
    await inspect('06-trust-store');
  });

  test('install a signed extension from the instance registry through the consent dialog', async () => {
    // A third-party author publishes with the token made above (real npm publish protocol).
    const dir = await writeHelloExtension(work, { name: EXTENSION, permissions: ['storage'] });
    declareSetupForms(dir);
    await publishToEmbeddedRegistry(platform, dir, publishToken, publisher);

    await navigate('Extensions', 'Marketplace', 'Marketplace');
    await page.getByLabel('Search packages').fill('hello');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('link', { name: EXTENSION }).first().click();
    await heading(new RegExp(EXTENSION));
    await inspect('07-package');

    await page.getByRole('button', { name: /^Install 1\.0\.0/ }).click();
    const consent = page.getByRole('dialog');
    await consent.getByText('storage', { exact: false }).first().waitFor();
    await inspect('08-consent-dialog');
    // Installing without granting is refused in the dialog, and nothing is installed.
    await consent.getByRole('button', { name: 'Grant and install' }).click();
    await consent.getByRole('alert').waitFor();
    await consent.getByLabel('I grant these permissions').check();
    await consent.getByRole('button', { name: 'Grant and install' }).click();
    await page.getByRole('link', { name: `Open ${EXTENSION}` }).click();
    await heading(new RegExp(EXTENSION));
  });

  test("the extension's tools are listed, and disabling it stops it", async () => {
    await page.getByRole('heading', { name: /MCP tools/ }).waitFor();
    await page.getByText('hello', { exact: true }).first().waitFor();
    await page.getByText('Says hello').first().waitFor();
    await inspect('09-extension');

    // Settings and connector setup are forms the host renders from the declared schemas.
    await page.getByLabel(/greeting/i).fill('Good morning');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText(/saved/i).first().waitFor();
    await page.getByRole('button', { name: 'Set up Helpdesk' }).click();
    const setup = page.getByRole('dialog', { name: 'Set up Helpdesk' });
    await setup.getByLabel('Helpdesk URL').fill('not a url');
    await setup.getByLabel('API token secret').fill('helpdesk-token');
    await setup.getByRole('button', { name: 'Save' }).click();
    await setup.getByText(/URL/).nth(1).waitFor(); // checked before sending
    await inspect('09-connector-setup');
    await setup.getByLabel('Helpdesk URL').fill('https://help.example.com');
    await setup.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Configured').first().waitFor();
    await page.getByRole('button', { name: 'Disable', exact: true }).click();
    const confirm = page.getByRole('dialog');
    if (await confirm.isVisible()) await confirm.getByRole('button', { name: /Disable/ }).click();
    await page.getByRole('button', { name: 'Enable', exact: true }).waitFor();
    await navigate('Extensions', 'Installed', 'Installed extensions');
    await page
      .getByRole('row', { name: new RegExp(EXTENSION) })
      .getByText('Disabled')
      .waitFor();
    await inspect('10-extensions');
  });

  test('each of these actions is in the audit log', async () => {
    await navigate('Activity', 'Audit log', 'Audit log');
    for (const operation of [
      'user.created',
      'organization.created',
      'team.created',
      'api_token.created',
      'extension.installed',
      'extension.disabled',
    ]) {
      expect(await auditRows(operation), operation).toBeGreaterThan(0);
    }
    await page.getByRole('button', { name: 'Verify chain' }).click();
    await page.getByText(/intact/i).waitFor();
    await inspect('11-audit');
  });

  test('notifications arrive live, with the unread count in the header', async () => {
    await navigate('Activity', 'Notifications', 'Notifications');
    // The install told the admin how it went (one row, updated in place when it finished).
    const feed = page.getByRole('list', { name: 'Notifications, newest first' });
    await feed.getByText(`Installed ${EXTENSION} 1.0.0`).waitFor();
    const admin = (await context.request.get('/api/auth/session').then((r) => r.json())) as {
      user: { id: string };
    };
    await runAsActor(systemActor(), () =>
      platform.kernel.resolve(NOTIFICATION_SERVICE).notify(admin.user.id, {
        level: 'warning',
        title: 'Nightly sync is running late',
        body: 'It started 20 minutes after its schedule.',
      }),
    );
    // No reload: the stream brings it, and the header counts it.
    await feed.getByText('Nightly sync is running late').waitFor();
    await page
      .getByRole('banner')
      .getByRole('link', { name: /Notifications, \d+ unread/ })
      .waitFor();
    await inspect('12-notifications');
    await page.getByRole('button', { name: 'Mark all read' }).click();
    await page.getByRole('banner').getByRole('link', { name: 'Notifications', exact: true }).waitFor();

    // The connection drops (every socket cut) and something happens meanwhile: the feed
    // reconnects by itself, resumes from its last event and shows it, without a reload.
    platform.server.server.closeAllConnections();
    await runAsActor(systemActor(), () =>
      platform.kernel.resolve(NOTIFICATION_SERVICE).notify(admin.user.id, {
        level: 'info',
        title: 'Sent while you were disconnected',
      }),
    );
    await feed.getByText('Sent while you were disconnected').waitFor();
    await page.getByRole('banner').getByRole('link', { name: 'Notifications, 1 unread' }).waitFor();
  });

  test('every other screen loads from the navigation without serious accessibility violations', async () => {
    const screens: Array<[string, string, string]> = [
      ['Access', 'MCP connection', 'MCP connection'],
      ['Extensions', 'Installs and approvals', 'Installs and approvals'],
      ['Agents', 'Catalogue', 'Agents'],
      ['Activity', 'Usage and cost', 'Usage and cost'],
      ['Settings', 'LLM providers', 'LLM providers'],
      ['Settings', 'Prices', 'Prices'],
      ['Settings', 'Budgets', 'Budgets'],
      ['Settings', 'Secrets', 'Secrets'],
      ['Settings', 'Registries', 'Registries'],
      ['Settings', 'Agents path', 'Agents path'],
    ];
    for (const [index, [group, link, title]] of screens.entries()) {
      await navigate(group, link, title);
      await inspect(`${13 + index}-${link.toLowerCase().replaceAll(/[^a-z]+/g, '-')}`);
    }
    // Pages reached from links inside others, loaded by their address (deep links).
    for (const [path, title] of [
      ['/mcp-connection', 'MCP connection'],
      ['/marketplace/github', 'Install from GitHub'],
      ['/marketplace/promotions', 'Promotions'],
    ]) {
      await page.goto(path!);
      await heading(title!);
      await inspect(`${path!.slice(1).replaceAll('/', '-')}`);
    }
    // An agent's compiled input schema, rendered as the form a run will use.
    await navigate('Agents', 'Catalogue', 'Agents');
    await page.getByRole('link', { name: 'Thread summary' }).click();
    await heading(/Thread summary/);
    await page.getByRole('button', { name: 'Check input' }).waitFor();
    await inspect('23-agent-detail');
  });

  test('when the session ends, the next call leads to the login page, which says so', async () => {
    await context.clearCookies(); // as if it expired or was signed out elsewhere
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Users', exact: true })
      .click();
    await heading('Sign in');
    await page.getByText('Your session ended').waitFor();
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading('Users');
  });
});
