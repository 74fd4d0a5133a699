// make bench: how long a memtrace HTML report takes to open in headless
// Chromium.  Prints "load_ms N ready_ms N": the load event, and the page's own
// "drawn" mark (body[data-ready]), both from navigation start.
//   node bench/pageload.js PAGE.html   (playwright-core from tests/html)
'use strict';
const path = require('path');
const { chromium } = require(path.join(__dirname, '../tests/html/node_modules/playwright-core'));

(async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await browser.newPage();
  await page.goto('file://' + path.resolve(process.argv[2]), { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="1"]');
  const t = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    return { load: nav.loadEventStart, ready: performance.now() };
  });
  console.log(`load_ms ${t.load.toFixed(0)} ready_ms ${t.ready.toFixed(0)}`);
  await browser.close();
})().catch((e) => { console.error(String(e)); process.exit(1); });
