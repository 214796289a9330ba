import { render, screen } from '@testing-library/vue';
import { describe, expect, test } from 'vitest';
import BarChart from './BarChart.vue';

const usd = (value: number) => `$${value.toFixed(2)}`;

describe('BarChart', () => {
  test('is an image summarised in words, with labels and values as text', () => {
    render(BarChart, {
      props: {
        title: 'Cost in USD by provider',
        categoryLabel: 'Provider',
        valueLabel: 'Cost (USD)',
        format: usd,
        items: [
          { key: 'openai', label: 'openai', value: 3 },
          { key: 'anthropic', label: 'anthropic', value: 1.5 },
        ],
      },
    });
    const chart = screen.getByRole('img');
    expect(chart.getAttribute('aria-label')).toBe(
      'Cost in USD by provider: 2 bars. Highest: openai, $3.00. Total $4.50.',
    );
    // Axis titles, category labels and values are written out.
    for (const text of ['Provider', 'Cost (USD)', 'openai', 'anthropic', '$3.00', '$1.50']) {
      expect(chart.textContent).toContain(text);
    }
  });

  test('draws bars in the order given, proportional to the largest value, zero as no bar', () => {
    const { container } = render(BarChart, {
      props: {
        title: 'Calls by day',
        categoryLabel: 'Day',
        valueLabel: 'Calls',
        items: [
          { key: '2026-03-01', label: '2026-03-01', value: 10 },
          { key: '2026-03-02', label: '2026-03-02', value: 0 },
          { key: '2026-03-03', label: '2026-03-03', value: 5 },
        ],
      },
    });
    const bars = [...container.querySelectorAll('rect')];
    expect(bars.map((bar) => bar.getAttribute('data-value'))).toEqual(['10', '0', '5']);
    const widths = bars.map((bar) => Number(bar.getAttribute('width')));
    expect(widths[1]).toBe(0);
    expect(widths[2]).toBeCloseTo(widths[0]! / 2);
    const labels = [...container.querySelectorAll('.c-bar-chart__label')].map((t) => t.textContent?.trim());
    expect(labels).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);
  });

  test('shortens long labels on the chart and keeps the full one in the tooltip', () => {
    const long = 'openrouter/some-vendor/a-very-long-model-name-2026';
    const { container } = render(BarChart, {
      props: {
        title: 'Calls by model',
        categoryLabel: 'Model',
        valueLabel: 'Calls',
        items: [{ key: long, label: long, value: 1 }],
      },
    });
    expect(container.querySelector('.c-bar-chart__label')?.textContent?.trim()).toMatch(/…$/);
    expect(container.querySelector('title')?.textContent).toBe(`${long}: 1`);
  });

  test('uses the given summary, or says there is no data', async () => {
    const { rerender } = render(BarChart, {
      props: { title: 'Calls by agent', categoryLabel: 'Agent', valueLabel: 'Calls', items: [] },
    });
    expect(screen.getByRole('img').getAttribute('aria-label')).toBe('Calls by agent: no data.');
    await rerender({ summary: 'Custom summary' });
    expect(screen.getByRole('img').getAttribute('aria-label')).toBe('Custom summary');
  });
});
