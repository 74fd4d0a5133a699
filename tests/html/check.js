// Drives headless Chromium over a memtrace HTML report the way a person
// would (hover, click, type) and prints what it sees as "key value" lines
// for tests/test_html.c to assert on.  It asserts nothing itself.
//   node check.js PAGE.html SHOT.png [--frame NAME]... [--click NAME] [--search TEXT]
//                 [--hide 1]
'use strict';
const path = require('path');
const { chromium } = require('playwright-core');

function parseArgs(argv) {
  const a = { page: argv[0], shot: argv[1], frames: [], click: null, search: null, hide: null };
  for (let i = 2; i < argv.length; i += 2) {
    if (argv[i] === '--frame') a.frames.push(argv[i + 1]);
    else if (argv[i] === '--click') a.click = argv[i + 1];
    else if (argv[i] === '--search') a.search = argv[i + 1];
    else if (argv[i] === '--hide') a.hide = argv[i + 1];
    else throw new Error('unknown argument ' + argv[i]);
  }
  return a;
}

function out(key, ...v) {
  console.log([key, ...v.map((x) => String(x).replace(/\s+/g, ' '))].join(' '));
}

// bytes of the (non-ancestor) flamegraph frames named `name`, summed
function frameBytes(page, name) {
  return page.evaluate((n) => {
    let sum = 0, found = 0;
    document.querySelectorAll('#flame g.fr:not(.ancestor)').forEach((g) => {
      if (g.getAttribute('data-name') === n) { sum += +g.getAttribute('data-bytes'); found++; }
    });
    return found ? sum : -1;
  }, name);
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(30000);
  const errors = [];
  let external = 0;
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  const url = 'file://' + path.resolve(a.page);
  page.on('request', (r) => { if (r.url() !== url) external++; });
  await page.goto(url);
  await page.waitForSelector('body[data-ready="1"]');
  await page.waitForSelector('#flame g.fr');
  await page.screenshot({ path: a.shot, fullPage: true });
  out('command', await page.locator('#command').textContent());
  out('bold_in_header', await page.locator('header b').count());

  // the chart: where the peak marker is, and where it should be
  const chart = await page.evaluate(() => {
    const D = JSON.parse(document.getElementById('mtr-data').textContent);
    const svg = document.querySelector('#chart svg');
    const m = document.getElementById('peak-marker');
    if (!m) return null;
    const line = m.querySelector('line');
    const x0 = +svg.getAttribute('data-x0'), x1 = +svg.getAttribute('data-x1');
    const t1 = +svg.getAttribute('data-t1'), t = +m.getAttribute('data-time-ns');
    let best = 0;
    for (let i = 0; i < D.timeline.length; i += 3)
      if (D.timeline[i + 2] > D.timeline[best + 2]) best = i;
    return { t, bytes: +m.getAttribute('data-bytes'), lineX: +line.getAttribute('x1'),
             expectedX: x0 + (x1 - x0) * t / t1, timelineMaxT: D.timeline[best],
             timelineMax: D.timeline[best + 2],
             copies: document.querySelectorAll('#chart .mark.copy').length,
             stalls: Array.from(document.querySelectorAll('#chart .mark.stall'))
               .map((s) => s.getAttribute('data-kind')).join(',') };
  });
  out('peak_marker', chart ? 1 : 0); /* none when the trace holds no events */
  if (chart) {
    out('peak_time_ns', chart.t);
    out('peak_bytes', chart.bytes);
    out('peak_x_error', Math.abs(chart.lineX - chart.expectedX).toFixed(3));
    out('timeline_max_t', chart.timelineMaxT);
    out('timeline_max_bytes', chart.timelineMax);
    out('copy_marks', chart.copies);
    out('stall_kinds', chart.stalls || '-');
  }

  // hovering the largest copy's mark shows its bytes and stack
  const copy = page.locator('#chart .mark.copy[data-i="0"]');
  if (await copy.count()) {
    await copy.hover({ force: true });
    out('copy_mark_bytes', await copy.getAttribute('data-bytes'));
    out('copy_tooltip', await page.locator('#tooltip').innerText());
  }
  const stall = page.locator('#chart .mark.stall[data-kind="large-copy"]').first();
  if (await stall.count()) {
    await stall.hover({ force: true });
    out('stall_tooltip', await page.locator('#tooltip').innerText());
  }

  // the flamegraph
  const svg = page.locator('#flame svg');
  out('flame_view', await svg.getAttribute('data-view'));
  out('flame_root_bytes', await svg.getAttribute('data-root-bytes'));
  out('flame_width', await svg.getAttribute('width'));
  for (const f of a.frames) out('frame', 'peak', f, await frameBytes(page, f));

  if (a.click) {
    const g = page.locator(`#flame g.fr:not(.ancestor)[data-name="${a.click}"]`).first();
    await g.locator('rect').hover();
    out('frame_tooltip', await page.locator('#tooltip').innerText());
    await g.locator('rect').click();
    const z = page.locator(`#flame g.fr[data-name="${a.click}"]`).first();
    out('zoom_name', await svg.getAttribute('data-zoom'));
    out('zoom_bytes', await svg.getAttribute('data-zoom-bytes'));
    out('zoom_frame_width', await z.getAttribute('data-w'));
    out('zoom_frames', await page.locator('#flame g.fr').count());
    await page.click('#flame-reset');
    out('unzoom_name', (await svg.getAttribute('data-zoom')) || '-');
  }

  if (a.search) {
    await page.fill('#flame-search', a.search);
    const info = page.locator('#flame-match');
    out('search_bytes', await info.getAttribute('data-bytes'));
    out('search_frames', await info.getAttribute('data-frames'));
    out('search_highlighted', await page.locator('#flame g.fr.match').count());
    await page.fill('#flame-search', '');
  }

  // the toggle that hides interpreter and allocator frames, and back
  if (a.hide) {
    await page.check('#flame-hide');
    for (const f of a.frames) out('frame', 'lean', f, await frameBytes(page, f));
    out('lean_root_bytes', await svg.getAttribute('data-root-bytes'));
    await page.uncheck('#flame-hide');
  }

  await page.check('input[name=flame-view][value=allocated]');
  out('allocated_view', await svg.getAttribute('data-view'));
  out('allocated_root_bytes', await svg.getAttribute('data-root-bytes'));
  for (const f of a.frames) out('frame', 'allocated', f, await frameBytes(page, f));

  out('copy_rows', await page.locator('#copies-table td:first-child').count());
  out('stall_rows', await page.locator('#stalls-table td:first-child').count());
  out('external_requests', external);
  out('console_errors', errors.length);
  errors.forEach((e) => out('console_error', e));
  await browser.close();
}

main().then(() => out('done', 1), (e) => { out('failed', e && e.stack || e); process.exit(1); });
