import { cleanup } from '@testing-library/vue';
import { afterEach, beforeEach, vi } from 'vitest';
import { FakeEventSource } from './fakeEventSource';

// Network guard: a component test never reaches a real server. Every call must be answered
// by mockApi(); anything else fails the test with the request it tried.
beforeEach(() => {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (request: Request) => {
      throw new Error(`Unexpected request in a component test: ${request.method} ${request.url}`);
    }),
  );
  vi.stubGlobal('EventSource', FakeEventSource);
  FakeEventSource.instances.length = 0;
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});
