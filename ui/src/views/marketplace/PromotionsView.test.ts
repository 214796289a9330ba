import { screen, within } from '@testing-library/vue';
import { describe, expect, test } from 'vitest';
import { mockApi, problem } from '../../../test/mockApi';
import { renderView } from '../../../test/render';
import PromotionsView from './PromotionsView.vue';
import { promotion } from './testFixtures';

describe('PromotionsView', () => {
  test('lists the promoted versions and says promotion is one-way', async () => {
    mockApi({
      'GET /api/registry/promotions': {
        body: {
          promotions: [
            promotion(),
            promotion({ name: 'weather', version: '0.3.0', promotedBy: 'other-admin' }),
          ],
        },
      },
    });
    await renderView(PromotionsView, { path: '/marketplace/promotions' });

    const table = await screen.findByRole('table', { name: 'Promoted versions, newest first' });
    const [, acme, weather] = within(table).getAllByRole('row');
    expect(within(acme!).getByRole('link', { name: '@acme/tools' }).getAttribute('href')).toBe(
      '/marketplace/package/instance/@acme/tools',
    );
    expect(acme!.textContent).toContain('1.1.0');
    expect(acme!.textContent).toContain('https://registry.example.com/');
    expect(acme!.textContent).toContain('sha512-abcdef');
    expect(acme!.textContent).toContain('You');
    expect(weather!.textContent).toContain('other-admin');
    expect(screen.getByText('Promotion is one-way')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'trust store' }).getAttribute('href')).toBe('/settings/trust');
  });

  test('says when nothing was promoted yet', async () => {
    mockApi({ 'GET /api/registry/promotions': { body: { promotions: [] } } });
    await renderView(PromotionsView, { path: '/marketplace/promotions' });
    expect(await screen.findByText('Nothing has been promoted yet.')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'marketplace' }).getAttribute('href')).toBe('/marketplace');
  });

  test('shows a refusal in words', async () => {
    mockApi({
      'GET /api/registry/promotions': problem(500, 'internal', 'The database is not reachable.'),
    });
    await renderView(PromotionsView, { path: '/marketplace/promotions' });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not load promotions');
    expect(alert.textContent).toContain('The database is not reachable.');
  });
});
