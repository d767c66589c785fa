import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { lazyIntl, loadAssets } from './assets.js';

const require = createRequire(import.meta.url);
const installed = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');

interface UPlotGlobal {
  fmtNum(v: number): string;
  tzDate(d: Date, tz: string): Date;
}

/** uPlot's browser build run in a fresh context whose `Intl` counts the objects made from it. */
function load(source: string): { uPlot: UPlotGlobal; made: () => number } {
  let made = 0;
  const counting = new Proxy(Intl, {
    get(target, key: keyof typeof Intl) {
      const value = target[key];
      if (typeof value !== 'function') return value;
      return new Proxy(value, { construct(ctor, args: unknown[]) { made++; return Reflect.construct(ctor, args) as object; } });
    },
  });
  const context: Record<string, unknown> = { Intl: counting };
  runInNewContext(`${source};globalThis.uPlot = uPlot;`, context);
  return { uPlot: context['uPlot'] as UPlotGlobal, made: () => made };
}

describe('the uPlot build the status page serves', () => {
  it('applies both lazy-Intl patterns to the installed uPlot (a new uPlot build that no longer matches fails here)', () => {
    const { applied, of } = lazyIntl(installed);
    expect(of).toBe(2);
    expect(applied).toBe(2);
    expect(loadAssets().files.get('vendor/uPlot.iife.min.js')?.body).toBe(lazyIntl(installed).body);
  });

  it('makes no Intl object while it loads; the original makes two', () => {
    expect(load(installed).made()).toBe(2);
    expect(load(lazyIntl(installed).body).made()).toBe(0);
  });

  it('formats numbers and dates as the original does, making the formatter on first use', () => {
    const original = load(installed).uPlot;
    const patched = load(lazyIntl(installed).body);
    for (const v of [0, 1234.5, -0.000123, 1e21, 98765432.1]) expect(patched.uPlot.fmtNum(v)).toBe(original.fmtNum(v));
    expect(patched.made()).toBe(1);
    const at = new Date(Date.UTC(2026, 2, 29, 1, 30, 15, 250));
    for (const tz of ['Etc/UTC', 'UTC', 'Europe/Berlin', 'Asia/Kathmandu', 'America/Santiago']) {
      expect(patched.uPlot.tzDate(at, tz).getTime()).toBe(original.tzDate(at, tz).getTime());
    }
  });

  it('leaves a build without the patterns as it is', () => {
    const other = 'var uPlot = function () { return 1; };';
    expect(lazyIntl(other)).toEqual({ body: other, applied: 0, of: 2 });
  });
});
