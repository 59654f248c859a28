// Measures how long headless Chromium takes to load an HTML report until its script has run
// (the filter status says "Showing"), and takes screenshots at 1400 and 400 px.
//   node bench/html-load.mjs REPORT.html [--shots DIR]
import { chromium } from 'playwright-core';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const [file, ...rest] = process.argv.slice(2);
const shots = rest[0] === '--shots' ? rest[1] : undefined;
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  for (const width of [1400, 400]) {
    const page = await browser.newPage({ viewport: { width, height: 1000 } });
    const t0 = Date.now();
    await page.goto(pathToFileURL(file).href, { timeout: 300_000 });
    await page.waitForFunction(`document.getElementById('mw-filter-status').textContent.startsWith('Showing')`, undefined, { timeout: 300_000 });
    const ms = Date.now() - t0;
    const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    console.log(JSON.stringify({ width, loadMs: ms, horizontalOverflowPx: overflow }));
    if (shots) await page.screenshot({ path: join(shots, `html-${width}.png`) });
    await page.close();
  }
} finally {
  await browser.close();
}
