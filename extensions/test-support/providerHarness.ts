import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { startExtension, type TestExtension, type VendorServer } from '@cinatra/sdk/testing';
import { buildExtension } from '../scripts/build-extension.js';

export interface ProviderHarness<Reply> {
  /** The vendor's local wire-format server (scripted replies, recorded requests). */
  readonly server: VendorServer<Reply>;
  /** The extension started with the default settings and key. */
  readonly ext: TestExtension;
  /** Another process of the extension; options override the defaults (settings, secrets…). */
  start(options?: Parameters<typeof startExtension>[1]): Promise<TestExtension>;
  /** The body of the last request the vendor server received. */
  lastBody(): Record<string, unknown>;
  /** Every process started so far (the default one first). */
  readonly started: readonly TestExtension[];
}

/**
 * The frame every provider extension's tests share: builds the signed bundle, starts the
 * vendor's local server and the extension in the SDK's harness (its `baseUrl` setting points at
 * the server, the API key is the kernel secret `secret`), stops everything afterwards, and fails
 * a test that left scripted replies unused. Call it at the top level of a test file.
 */
export function useProviderHarness<Reply>(options: {
  /** The extension's package directory (`new URL('..', import.meta.url)` from its test/). */
  packageUrl: URL;
  apiKey: string;
  secret: string;
  startServer(serverOptions: { apiKey: string }): Promise<VendorServer<Reply>>;
}): ProviderHarness<Reply> {
  const packageDir = fileURLToPath(options.packageUrl);
  const started: TestExtension[] = [];
  let server: VendorServer<Reply> | undefined;
  let ext: TestExtension | undefined;

  const harness: ProviderHarness<Reply> = {
    get server() {
      if (!server) throw new Error('the vendor server starts in beforeAll');
      return server;
    },
    get ext() {
      if (!ext) throw new Error('the extension starts in beforeAll');
      return ext;
    },
    async start(extra = {}) {
      const extension = await startExtension(packageDir, {
        settings: { baseUrl: harness.server.baseUrl },
        secrets: { [options.secret]: options.apiKey },
        ...extra,
      });
      started.push(extension);
      return extension;
    },
    lastBody: () => harness.server.requests.at(-1)!.body as Record<string, unknown>,
    started,
  };

  beforeAll(async () => {
    await buildExtension(packageDir);
    server = await options.startServer({ apiKey: options.apiKey });
    ext = await harness.start();
  });

  afterAll(async () => {
    await Promise.all(started.map((e) => e.stop()));
    await server?.close();
  });

  afterEach(() => {
    expect(harness.server.clearReplies(), 'scripted replies left unused').toBe(0);
  });

  return harness;
}

/** Two tools the tool-call tests offer the model. */
export const WEATHER_AND_TIME_TOOLS = [
  {
    name: 'get_weather',
    description: 'Current weather of a city',
    inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
  {
    name: 'get_time',
    description: 'Local time of a city',
    inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
];
