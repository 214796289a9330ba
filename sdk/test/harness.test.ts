import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { RpcError } from '@cinatra/sdk';
import { startExtension, TEST_ACTOR, type TestExtension } from '@cinatra/sdk/testing';

/** The harness applies the platform's rules: grants, declared permissions and settings, the sandbox. */

const FIXTURE = fileURLToPath(new URL('./fixtures/harness', import.meta.url));
const running: TestExtension[] = [];
const start = async (options: Parameters<typeof startExtension>[1] = {}) => {
  const ext = await startExtension(FIXTURE, options);
  running.push(ext);
  return ext;
};
afterEach(async () => {
  await Promise.all(running.splice(0).map((ext) => ext.stop()));
});

describe('startExtension', () => {
  it('records enqueued jobs with the actor of the call, or answers with an override', async () => {
    const ext = await start();
    const result = await ext.callTool('sync', { repo: 'octo/hello' });
    expect(ext.enqueued).toMatchObject([
      {
        queue: 'acme-sync',
        payload: { repo: 'octo/hello' },
        options: { attempts: 2 },
        meta: { actor: TEST_ACTOR },
      },
    ]);
    expect(result.structuredContent).toEqual({ id: ext.enqueued[0]!.id });

    const overridden = await start({ hostApi: { 'queue.enqueue': () => ({ id: 'job-42' }) } });
    expect((await overridden.callTool('sync', {})).structuredContent).toEqual({ id: 'job-42' });
  });

  it('gives storage a private data directory, removed on stop, and nothing else is writable', async () => {
    const ext = await start();
    expect((await ext.callTool('remember', { note: 'hi' })).structuredContent).toEqual({ stored: 'hi' });
    const error = await ext.callTool('escape', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).message).toContain('ERR_ACCESS_DENIED');
    expect(existsSync('/tmp/cinatra-harness-escape.txt')).toBe(false);
    const dataDir = ext.dataDir!;
    await ext.stop();
    expect(existsSync(dataDir)).toBe(false);
  });

  it('without a grant the host call is refused', async () => {
    const ext = await start({ permissions: ['storage'] });
    await expect(ext.callTool('sync', {})).rejects.toMatchObject({ code: 'permission_denied' });
    expect(ext.enqueued).toEqual([]);
  });

  it('hands connector setups to the extension as host.connectors, only those set up', async () => {
    expect((await (await start()).callTool('connectors')).structuredContent).toEqual({ connectors: {} });
    const crm = { baseUrl: 'https://crm.example.com', tokenSecret: 'crm-token', pageSize: 50 };
    const ext = await start({ connectors: { crm } });
    expect((await ext.callTool('connectors')).structuredContent).toEqual({ connectors: { crm } });
  });

  it('refuses a connector setup the platform would: undeclared, nothing to set up, off its schema', async () => {
    await expect(start({ connectors: { billing: {} } })).rejects.toThrow('declares no connector "billing"');
    await expect(start({ connectors: { ledger: {} } })).rejects.toThrow(
      'connector "ledger" of @acme/harness-probe declares no setupSchema',
    );
    await expect(
      start({ connectors: { crm: { baseUrl: 'https://crm.example.com', pageSize: 0 } } }),
    ).rejects.toThrow(
      /does not match its setupSchema: .*\/tokenSecret must have required property.*\/pageSize must be >= 1/,
    );
  });

  it('refuses what the platform would refuse before anything runs', async () => {
    await expect(start({ permissions: ['notifications.send'] })).rejects.toThrow(
      '@acme/harness-probe does not request "notifications.send"',
    );
    await expect(start({ settings: { colour: 'red' } })).rejects.toThrow('declares no setting "colour"');
    await expect(start({ network: ['example.com'] })).rejects.toThrow(
      'network host "example.com" is not granted',
    );
    const ext = await start();
    await expect(ext.callTool('undeclared')).rejects.toMatchObject({ code: 'not_found' });
  });
});
