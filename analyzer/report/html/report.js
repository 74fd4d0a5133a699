/* memtrace report page: draws the report in #mtr-data (written by
 * analyzer/report/html.c) as SVG.  Plain JS, no library: the page must open from
 * disk, offline, and stay small.  Test hooks are data-* attributes on the
 * drawn elements (tests/html/check.js reads them). */
(function () {
  'use strict';

  var D = JSON.parse(document.getElementById('mtr-data').textContent);
  var SVGNS = 'http://www.w3.org/2000/svg';
  var ROW = 18; /* flamegraph row height */

  // ---- helpers ----

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function sv(tag, attrs, parent) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }

  /* format/size.h's mt_size_text, the one way sizes are shown: 1024-based,
   * three significant digits */
  function fmtBytes(n) {
    var u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'], i = 0;
    while (n >= 1024 && i < 4) { n /= 1024; i++; }
    if (i === 0) return Math.round(n) + ' B';
    return (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2)) + ' ' + u[i];
  }

  function fmtNs(ns) {
    if (ns >= 1e9) return (ns / 1e9).toFixed(2) + ' s';
    if (ns >= 1e6) return (ns / 1e6).toFixed(1) + ' ms';
    if (ns >= 1e3) return (ns / 1e3).toFixed(0) + ' us';
    return Math.round(ns) + ' ns';
  }

  function fmtPct(part, whole) {
    return whole ? (100 * part / whole).toFixed(part * 1000 < whole ? 2 : 1) + '%' : '-';
  }

  function base(path) { return path ? path.slice(path.lastIndexOf('/') + 1) : '?'; }

  /* a frame: [function, file, line, module index, offset, class]; the
   * classes are mtr_frame_class_t's */
  var PROGRAM = 0, PYTHON = 1, INTERPRETER = 2, PLUMBING = 3;
  function frameModule(f) { return f[3] >= 0 ? D.modules[f[3]] : null; }
  function frameClass(i) { return D.frames[i][5]; }

  /* a Python file with its package: zarr/core.py */
  function pyPath(path) {
    var parts = (path || '?').split('/');
    return parts.slice(-2).join('/');
  }

  function funcName(i) {
    var f = D.frames[i];
    return f[0] || base(frameModule(f)) + '+0x' + f[4].toString(16);
  }

  function frameText(i) {
    var f = D.frames[i];
    if (f[5] === PYTHON) return f[1] ? f[0] + ' (' + pyPath(f[1]) + ':' + f[2] + ')' : f[0];
    if (f[0] && f[1]) return f[0] + ' (' + base(f[1]) + ':' + f[2] + ')';
    if (f[0]) return f[0] + ' (' + base(frameModule(f)) + ')';
    return funcName(i);
  }

  /* libc, the C++ runtime and the allocators work for someone else */
  function plumbing(i) { return frameClass(i) === PLUMBING; }

  /* as the text report's "at": the work, and the Python line that asked */
  function caller(s) {
    var st = D.stacks[s] || [], work = -1, py = -1;
    for (var i = 0; i < st.length && work < 0; i++) if (!plumbing(st[i])) work = st[i];
    for (var j = 0; j < st.length && py < 0; j++) if (frameClass(st[j]) === PYTHON) py = st[j];
    if (work < 0) return st.length ? frameText(st[0]) : '(no stack)';
    var eval_ = /^_PyEval_/.test(D.frames[work][0] || '');
    if (py < 0 || work === py || eval_) return frameText(py >= 0 && eval_ ? py : work);
    return frameText(work) + ', called from ' + frameText(py);
  }

  /* frames shown in lists while the toggle is on, as the text report shows
   * them: the innermost frame, the work, the Python and program frames */
  function shownFrames(st) {
    var first = -1, work = false;
    for (var i = 0; i < st.length && first < 0; i++) if (frameClass(st[i]) === PYTHON) first = i;
    if (first < 0 || !hidePlumbing()) return st;
    return st.filter(function (f, i) {
      var c = frameClass(f);
      var keep = i === 0 || c === PYTHON || c === PROGRAM || (i < first && !work && c !== PLUMBING);
      work = work || (i < first && c !== PLUMBING);
      return keep;
    });
  }

  function stackText(s, max) {
    var st = shownFrames(D.stacks[s] || []), lines = [];
    for (var i = 0; i < st.length && i < max; i++) lines.push(frameText(st[i]));
    if (st.length > max) lines.push('... ' + (st.length - max) + ' more frames');
    return lines.length ? lines.join('\n') : '(no stack)';
  }

  function hashHue(s) {
    var h = 0;
    for (var i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
    return Math.abs(h);
  }

  // ---- tooltip ----

  var tip = document.getElementById('tooltip');

  /* parts: [title, dim line..., optional {pre: text}] built with textContent:
   * function names come from the traced program and are never markup */
  function showTip(ev, parts) {
    tip.textContent = '';
    parts.forEach(function (p, i) {
      if (p && p.pre !== undefined) tip.appendChild(el('pre', '', p.pre));
      else tip.appendChild(el(i === 0 ? 'b' : 'div', i > 1 ? 'dim' : '', p));
    });
    tip.hidden = false;
    var x = ev.clientX + 14, y = ev.clientY + 14;
    var r = tip.getBoundingClientRect();
    if (x + r.width > window.innerWidth - 4) x = Math.max(4, ev.clientX - r.width - 14);
    if (y + r.height > window.innerHeight - 4) y = Math.max(4, ev.clientY - r.height - 14);
    tip.style.left = x + 'px';
    tip.style.top = y + 'px';
  }

  function hideTip() { tip.hidden = true; }

  // ---- header ----

  function header() {
    document.title = 'memtrace: ' + (D.command || 'report');
    document.getElementById('command').textContent =
      (D.command || '(unknown command)') + '   (pid ' + D.pid + ')';
    if (D.warning) {
      var w = document.getElementById('warning');
      w.textContent = D.warning;
      w.hidden = false;
    }
    var facts = [
      ['duration', fmtNs(D.duration_ns)],
      ['peak (heap + anonymous)', fmtBytes(D.peak.total_bytes)],
      ['peak at', fmtNs(D.peak.time_ns)],
      ['heap at the peak', fmtBytes(D.peak.heap_at_peak_bytes)],
      ['extra copies', String(D.extra_copies)],
      ['payload', fmtBytes(D.payload_bytes)],
      ['allocated', fmtBytes(D.totals.allocated_bytes) + ' in ' + D.totals.allocations],
      ['large copies', D.totals.copies + ' (' + fmtBytes(D.totals.copied_bytes) + ')'],
      ['stalls', String(D.totals.stalls)]
    ];
    // a launcher run's top trace: its children are traces of their own
    if (D.children)
      facts.push(['children', D.children + ' more traces (memtrace-report tree)']);
    var dl = document.getElementById('facts');
    facts.forEach(function (f) {
      var d = el('div');
      d.appendChild(el('dt', '', f[0]));
      d.appendChild(el('dd', '', f[1]));
      dl.appendChild(d);
    });
    dl.setAttribute('data-extra-copies', D.extra_copies);
  }

  // ---- timeline ----

  /* round steps: 1, 2, 5 x 10^k (x 1024^k for bytes) */
  function niceStep(raw, base1024) {
    var unit = 1;
    if (base1024) while (raw >= 1024 * unit) unit *= 1024;
    var r = raw / unit, p = Math.pow(10, Math.floor(Math.log10(r)));
    var m = r / p;
    return unit * p * (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10);
  }

  function copyTip(ev, c) {
    var parts = [c.k + ' of ' + fmtBytes(c.b) + (c.n > 1 ? ' in ' + c.n + ' pieces' : ''),
                 'at ' + fmtNs(c.t) + ', took ' + fmtNs(c.d)];
    if (c.from) parts.push('from ' + ownerText(c.from));
    if (c.to) parts.push('into ' + ownerText(c.to));
    parts.push({pre: stackText(c.s, 14)});
    showTip(ev, parts);
  }

  function stallTip(ev, s) {
    var parts = [s.k + ': ' + fmtNs(s.d), fmtBytes(s.b) + ' in ' + s.n + ' piece' +
                 (s.n === 1 ? '' : 's') + ', at ' + fmtNs(s.t)];
    if (s.k === 'accumulator-flush')
      parts.push('flush ' + s.occ + ' of ' + s.rec + ' by this code');
    parts.push({pre: stackText(s.s, 14)});
    showTip(ev, parts);
  }

  function drawChart() {
    var box = document.getElementById('chart');
    box.textContent = '';
    var W = Math.max(box.clientWidth, 480), H = 330;
    var x0 = 74, x1 = W - 16, y0 = 24, y1 = H - 76;
    var laneStall = y1 + 30, laneCopy = y1 + 50;
    var svg = sv('svg', {width: W, height: H, viewBox: '0 0 ' + W + ' ' + H}, box);
    var tl = D.timeline, n = tl.length / 3;
    var tmax = Math.max(D.duration_ns, D.peak.time_ns, n ? tl[3 * (n - 1)] : 0, 1);
    var ymax = D.peak.total_bytes;
    for (var i = 0; i < n; i++) ymax = Math.max(ymax, tl[3 * i + 2]);
    ymax = Math.max(ymax * 1.12, 1024);
    function X(t) { return x0 + (x1 - x0) * t / tmax; }
    function Y(b) { return y1 - (y1 - y0) * b / ymax; }
    /* the scale, for tests: x = x0 + (x1 - x0) * t / t1 */
    svg.setAttribute('data-x0', x0);
    svg.setAttribute('data-x1', x1);
    svg.setAttribute('data-t1', tmax);

    var grid = sv('g', {'class': 'grid'}, svg), axis = sv('g', {'class': 'axis'}, svg);
    var ys = niceStep(ymax / 5, true);
    for (var k = 0, v = 0; v <= ymax; v = ++k * ys) { /* multiples: no float drift */
      sv('line', {x1: x0, x2: x1, y1: Y(v), y2: Y(v)}, grid);
      sv('text', {x: x0 - 6, y: Y(v) + 4, 'text-anchor': 'end'}, axis).textContent = fmtBytes(v);
    }
    var ts = niceStep(tmax / Math.max(2, Math.floor((x1 - x0) / 110)), false);
    for (var j = 0, t = 0; t <= tmax; t = ++j * ts) {
      sv('line', {x1: X(t), x2: X(t), y1: y1, y2: y1 + 4}, axis);
      sv('text', {x: X(t), y: y1 + 16, 'text-anchor': 'middle'}, axis).textContent = fmtNs(t);
    }
    sv('line', {x1: x0, x2: x1, y1: y1, y2: y1}, axis);
    sv('line', {x1: x0, x2: x0, y1: y0, y2: y1}, axis);

    if (!n) {
      sv('text', {x: (x0 + x1) / 2, y: (y0 + y1) / 2, 'text-anchor': 'middle',
                  'class': 'lane-label'}, svg).textContent = 'no events';
      return;
    }
    /* each point is the highest value of its slice of the run: steps */
    function area(col) {
      var d = 'M' + X(tl[0]) + ',' + y1;
      for (var i = 0; i < n; i++) d += 'H' + X(tl[3 * i]) + 'V' + Y(tl[3 * i + col]);
      return d + 'H' + X(tl[3 * (n - 1)]) + 'V' + y1 + 'Z';
    }
    sv('path', {d: area(2), 'class': 'area-total'}, svg);
    sv('path', {d: area(1), 'class': 'area-heap'}, svg);

    D.stalls.forEach(function (s) {
      sv('rect', {x: X(s.t), y: y0, width: Math.max(1, X(s.t + s.d) - X(s.t)), height: y1 - y0,
                  'class': 'stall-band'}, svg);
    });

    var pk = D.peak, px = X(pk.time_ns), py = Y(pk.total_bytes);
    var g = sv('g', {id: 'peak-marker', 'data-time-ns': pk.time_ns,
                     'data-bytes': pk.total_bytes, 'data-x': px}, svg);
    sv('line', {x1: px, x2: px, y1: y0 - 6, y2: y1, 'class': 'peak-line'}, g);
    sv('circle', {cx: px, cy: py, r: 4.5, 'class': 'peak-dot'}, g);
    var label = sv('text', {x: px + 8, y: y0 + 4, 'class': 'peak-label'}, g);
    label.textContent = 'peak ' + fmtBytes(pk.total_bytes) + ' at ' + fmtNs(pk.time_ns);
    if (px > (x0 + x1) / 2) {
      label.setAttribute('x', px - 8);
      label.setAttribute('text-anchor', 'end');
    }

    sv('text', {x: x0 - 6, y: laneStall + 9, 'text-anchor': 'end', 'class': 'lane-label'}, svg)
      .textContent = 'stalls';
    sv('text', {x: x0 - 6, y: laneCopy + 9, 'text-anchor': 'end', 'class': 'lane-label'}, svg)
      .textContent = 'copies';
    D.stalls.forEach(function (s, i) {
      sv('rect', {x: X(s.t), y: laneStall, width: Math.max(4, X(s.t + s.d) - X(s.t)), height: 12,
                  'class': 'mark stall', 'data-i': i, 'data-time-ns': s.t,
                  'data-bytes': s.b, 'data-kind': s.k}, svg);
    });
    D.copies.forEach(function (c, i) {
      sv('rect', {x: X(c.t), y: laneCopy, width: Math.max(3, X(c.t + c.d) - X(c.t)), height: 12,
                  'class': 'mark copy', 'data-i': i, 'data-time-ns': c.t,
                  'data-bytes': c.b, 'data-kind': c.k}, svg);
    });
    svg.addEventListener('mousemove', function (ev) {
      var m = ev.target.getAttribute && ev.target.getAttribute('class');
      if (m === 'mark copy') copyTip(ev, D.copies[+ev.target.getAttribute('data-i')]);
      else if (m === 'mark stall') stallTip(ev, D.stalls[+ev.target.getAttribute('data-i')]);
    });
    svg.addEventListener('mouseleave', hideTip);

    /* the values under the pointer, on the plot area */
    var cursor = sv('line', {y1: y0, y2: y1, 'class': 'cursor', visibility: 'hidden'}, svg);
    var hit = sv('rect', {x: x0, y: y0, width: x1 - x0, height: y1 - y0, fill: 'transparent'}, svg);
    hit.addEventListener('mousemove', function (ev) {
      var r = svg.getBoundingClientRect();
      var t = (ev.clientX - r.left - x0) / (x1 - x0) * tmax, lo = 0, hi = n - 1;
      while (lo < hi) { /* the last point at or before t */
        var mid = (lo + hi + 1) >> 1;
        if (tl[3 * mid] <= t) lo = mid; else hi = mid - 1;
      }
      cursor.setAttribute('x1', X(tl[3 * lo]));
      cursor.setAttribute('x2', X(tl[3 * lo]));
      cursor.setAttribute('visibility', 'visible');
      showTip(ev, [fmtBytes(tl[3 * lo + 2]) + ' heap + anonymous',
                   fmtBytes(tl[3 * lo + 1]) + ' heap', 'at ' + fmtNs(tl[3 * lo])]);
    });
    hit.addEventListener('mouseleave', function () {
      cursor.setAttribute('visibility', 'hidden');
      hideTip();
    });
  }

  // ---- flamegraph ----

  /* nodes come in preorder as [depth, frame, bytes, count(, merged)] */
  function buildTree(fl) {
    var root = {f: -2, b: fl.bytes, c: fl.count, kids: [], depth: 0, parent: null};
    var path = [root];
    fl.nodes.forEach(function (a) {
      var nd = {f: a[1], b: a[2], c: a[3], merged: a[4] || 0, kids: [], depth: a[0]};
      nd.parent = path[a[0] - 1];
      nd.parent.kids.push(nd);
      path.length = a[0];
      path.push(nd);
    });
    (function name(nd) {
      nd.name = nd.f >= 0 ? funcName(nd.f) : nd.f === -1 ? 'other (' + nd.merged + ' smaller)'
                                                         : 'all';
      nd.kids.forEach(name);
    })(root);
    return root;
  }

  var views = {
    peak: {fl: D.flame_peak, title: 'Live at the peak',
           note: 'Heap blocks and anonymous mappings live at the peak (' +
                 fmtNs(D.peak.time_ns) + '), by call stack: the outermost frame on top, ' +
                 'each frame as wide as the memory allocated under it.'},
    allocated: {fl: D.flame_allocated, title: 'Allocated over the whole run',
                note: 'Every allocation and anonymous mapping of the run, by call stack ' +
                      '(freed or not).'}
  };
  var flame = {view: 'peak', root: null, zoom: null, query: ''};

  function hidePlumbing() {
    var box = document.getElementById('flame-hide');
    return box ? box.checked : false;
  }

  /* The tree without interpreter and allocator frames: a hidden frame's
   * children join its parent, merged with siblings of the same frame. */
  function collapsed(nd, depth) {
    var out = {f: nd.f, b: nd.b, c: nd.c, merged: nd.merged, name: nd.name, kids: [],
               depth: depth, parent: null}, byFrame = {};
    (function adopt(kids) {
      kids.forEach(function (k) {
        var c = k.f >= 0 ? frameClass(k.f) : PROGRAM;
        if (c === INTERPRETER || c === PLUMBING) return adopt(k.kids);
        var ck = collapsed(k, depth + 1), same = byFrame[k.f];
        if (same === undefined || k.f < 0) {
          ck.parent = out;
          byFrame[k.f] = out.kids.length;
          out.kids.push(ck);
          return;
        }
        merge(out.kids[same], ck);
      });
    })(nd.kids);
    return out;
  }

  function merge(into, from) {
    into.b += from.b;
    into.c += from.c;
    from.kids.forEach(function (k) {
      for (var i = 0; i < into.kids.length; i++)
        if (into.kids[i].f === k.f && k.f >= 0) return merge(into.kids[i], k);
      k.parent = into;
      into.kids.push(k);
    });
  }

  function setView(name) {
    var v = views[name];
    flame.view = name;
    if (!v.root) v.root = buildTree(v.fl);
    if (!v.lean) v.lean = collapsed(v.root, 0);
    flame.root = flame.zoom = hidePlumbing() ? v.lean : v.root;
    document.getElementById('flame-title').textContent = v.title;
    var note = v.note;
    if (name === 'peak' && v.fl.bytes !== D.peak.total_bytes)
      note += ' ' + fmtBytes(Math.abs(D.peak.total_bytes - v.fl.bytes)) +
              ' of the peak is not attributed to a stack.';
    if (v.fl.min_bytes > 1)
      note += ' Frames under ' + fmtBytes(v.fl.min_bytes) + ' are merged into "other".';
    document.getElementById('flame-note').textContent = note;
    search();
  }

  function color(nd) {
    if (nd.f < 0) return '#c8ccd2';
    var h = hashHue(nd.name), c = frameClass(nd.f);
    if (c === PYTHON) return 'hsl(' + (95 + h % 40) + ',50%,' + (55 + h % 15) + '%)';
    if (c === INTERPRETER) return 'hsl(' + (250 + h % 30) + ',20%,' + (72 + h % 10) + '%)';
    if (c === PLUMBING) return 'hsl(' + (200 + h % 30) + ',45%,' + (70 + h % 10) + '%)';
    return 'hsl(' + (h % 50) + ',' + (65 + h % 25) + '%,' + (58 + (h >> 3) % 14) + '%)';
  }

  function drawFlame() {
    var box = document.getElementById('flame');
    box.textContent = '';
    var W = Math.max(box.clientWidth, 480), zoom = flame.zoom, root = flame.root;
    var scale = zoom.b ? W / zoom.b : 0, maxDepth = zoom.depth, drawn = [];
    (function layout(nd, x) {
      /* narrower than a pixel is noise; the view's own node is always there */
      var w = nd === zoom ? W : nd.b * scale;
      if (w < 0.4) return;
      drawn.push({nd: nd, x: x, w: w});
      if (nd.depth > maxDepth) maxDepth = nd.depth;
      nd.kids.forEach(function (k) { layout(k, x); x += k.b * scale; });
    })(zoom, 0);
    for (var a = zoom.parent; a; a = a.parent) drawn.push({nd: a, x: 0, w: W, ancestor: true});
    var H = (maxDepth + 1) * ROW;
    var svg = sv('svg', {width: W, height: H, viewBox: '0 0 ' + W + ' ' + H,
                         'data-view': flame.view, 'data-root-bytes': root.b,
                         'data-zoom': zoom === root ? '' : zoom.name,
                         'data-zoom-bytes': zoom.b}, box);
    drawn.forEach(function (d) {
      var nd = d.nd;
      var g = sv('g', {'class': 'fr' + (d.ancestor ? ' ancestor' : '') +
                                (flame.query && matches(nd) ? ' match' : ''),
                       'data-name': nd.name, 'data-bytes': nd.b, 'data-depth': nd.depth,
                       'data-x': d.x.toFixed(2), 'data-w': d.w.toFixed(2)}, svg);
      g.node = nd;
      sv('rect', {x: d.x, y: nd.depth * ROW, width: d.w, height: ROW - 1, fill: color(nd)}, g);
      var chars = Math.floor((d.w - 6) / 6.7);
      if (chars >= 3) {
        var label = nd === root ? 'all: ' + fmtBytes(nd.b) : nd.name;
        if (label.length > chars) label = label.slice(0, chars - 1) + '\u2026';
        sv('text', {x: d.x + 3, y: nd.depth * ROW + 13}, g).textContent = label;
      }
    });
    svg.addEventListener('mousemove', function (ev) {
      var g = ev.target.closest && ev.target.closest('g.fr');
      if (!g) return hideTip();
      var nd = g.node, rb = flame.root.b;
      var parts = [nd.name, fmtBytes(nd.b) + ' (' + fmtPct(nd.b, rb) + ' of all' +
                   (flame.zoom !== flame.root ? ', ' + fmtPct(nd.b, flame.zoom.b) +
                    ' of ' + flame.zoom.name : '') + ')',
                   nd.c + (flame.view === 'peak' ? ' live allocations' : ' allocations')];
      if (nd.f >= 0) parts.push(frameText(nd.f));
      if (nd.f === -1) parts.push(nd.merged + ' functions below the merge threshold');
      showTip(ev, parts);
    });
    svg.addEventListener('mouseleave', hideTip);
    svg.addEventListener('click', function (ev) {
      var g = ev.target.closest && ev.target.closest('g.fr');
      if (!g) return;
      flame.zoom = g.node.b ? g.node : flame.root;
      drawFlame();
    });
  }

  /* by function name, or by file: "core.py" finds zarr's frames */
  function matches(nd) {
    if (nd.f === -2) return false;
    var file = nd.f >= 0 ? (D.frames[nd.f][1] || '') : '';
    return nd.name.toLowerCase().indexOf(flame.query) >= 0 ||
           file.toLowerCase().indexOf(flame.query) >= 0;
  }

  /* Highlights matching frames; the bytes under them count once even where
   * a match calls another (recursion). */
  function search() {
    flame.query = document.getElementById('flame-search').value.trim().toLowerCase();
    var bytes = 0, count = 0;
    (function walk(nd, inside) {
      var m = flame.query && matches(nd);
      if (m) count++;
      if (m && !inside) bytes += nd.b;
      nd.kids.forEach(function (k) { walk(k, inside || m); });
    })(flame.root, false);
    var info = document.getElementById('flame-match');
    info.textContent = flame.query ? count + ' frames, ' + fmtBytes(bytes) + ' (' +
                                     fmtPct(bytes, flame.root.b) + ')' : '';
    info.setAttribute('data-bytes', bytes);
    info.setAttribute('data-frames', count);
    drawFlame();
  }

  // ---- tables ----

  var MAPS = ['heap block', 'anonymous mapping', 'file mapping', 'allocator arena',
              'reserved address space'];

  function ownerText(o) {
    return fmtBytes(o.b) + ' ' + MAPS[o.map] + ' allocated at ' + caller(o.s);
  }

  /* a cell with the most telling frame, the whole stack folded under it
   * (written when first opened: hundreds of closed stacks slow the load) */
  function stackCell(s, prefix) {
    var td = el('td'), det = el('details');
    det.appendChild(el('summary', '', (prefix || '') + caller(s)));
    det.addEventListener('toggle', function () {
      if (det.open && det.children.length === 1) det.appendChild(el('pre', '', stackText(s, 64)));
    });
    td.appendChild(det);
    return td;
  }

  function row(table, cells) {
    var tr = el('tr');
    cells.forEach(function (c) {
      if (c instanceof Node) tr.appendChild(c);
      else tr.appendChild(el('td', typeof c === 'number' || /^[0-9.]+ /.test(c) ? 'num' : '',
                             String(c)));
    });
    table.appendChild(tr);
    return tr;
  }

  function heading(table, names) {
    var tr = el('tr');
    names.forEach(function (h) { tr.appendChild(el('th', '', h)); });
    table.appendChild(tr);
  }

  /* hovering a row lights its mark on the timeline */
  function link(tr, kind, i) {
    function mark() { return document.querySelector('.mark.' + kind + '[data-i="' + i + '"]'); }
    tr.addEventListener('mouseenter', function () {
      var m = mark();
      if (m) m.classList.add('hot');
    });
    tr.addEventListener('mouseleave', function () {
      var m = mark();
      if (m) m.classList.remove('hot');
    });
  }

  function tables() {
    /* one row per group: like copies (kind, code, source, destination) */
    function when(g) { return g.count > 1 ? fmtNs(g.t0) + ' - ' + fmtNs(g.t1) : fmtNs(g.t0); }
    var t = document.getElementById('copies-table');
    var G = D.copy_groups;
    document.getElementById('copies-note').textContent = G.length ?
      D.totals.copies + ' copies of at least the copy threshold in ' + D.copy_group_count +
      ' groups of like copies, largest first; open a cell for its whole stack.' :
      'No large copies.';
    if (G.length)
      heading(t, ['kind', 'copies', 'bytes', 'pieces', 'at', 'copying', 'copied by', 'from',
                  'into']);
    G.forEach(function (c) {
      var tr = row(t, [c.k, c.count, fmtBytes(c.b), c.n, when(c), fmtNs(c.d), stackCell(c.s),
                       c.from ? stackCell(c.from.s, fmtBytes(c.from.b) + ' ' + MAPS[c.from.map] +
                                          ' from ') : 'not a live allocation',
                       c.to ? stackCell(c.to.s, fmtBytes(c.to.b) + ' ' + MAPS[c.to.map] +
                                        ' from ') : 'not a live allocation']);
      if (c.i !== undefined) link(tr, 'copy', c.i);
    });
    var R = D.region_figures || [];
    if (R.length) {
      document.getElementById('regions').hidden = false;
      t = document.getElementById('regions-table');
      heading(t, ['region', 'times', 'time', 'peak', 'copies', 'copied', 'extra copies',
                  'stalls', 'leaks']);
      R.forEach(function (g) {
        row(t, [g.name, g.count, fmtNs(g.duration_ns), fmtBytes(g.peak_bytes), g.copies,
                fmtBytes(g.copied_bytes), g.extra_copies, g.stalls,
                fmtBytes(g.leaked_bytes) + ' in ' + g.leaks]);
      });
    }
    t = document.getElementById('stalls-table');
    G = D.stall_groups;
    document.getElementById('stalls-note').textContent = G.length ?
      D.totals.stalls + ' stalls in ' + G.length + ' groups, most time spent copying first.' :
      'No stalls.';
    if (G.length)
      heading(t, ['kind', 'stalls', 'at', 'copying', 'bytes', 'by', 'destination']);
    G.forEach(function (s) {
      var dest = s.k === 'realloc-growth' ? 'grew to ' + fmtBytes(s.block)
               : s.block ? stackCell(s.as, fmtBytes(s.block) + ' from ') : '-';
      row(t, [s.k, s.count, when(s), fmtNs(s.d), fmtBytes(s.b), stackCell(s.s), dest]);
    });
  }

  // ---- wiring ----

  /* the drawings read the page's width: before the tables, that layout is cheap */
  header();
  drawChart();
  setView('peak');
  tables();
  document.querySelectorAll('input[name=flame-view]').forEach(function (r) {
    r.addEventListener('change', function () { if (r.checked) setView(r.value); });
  });
  document.getElementById('flame-search').addEventListener('input', search);
  document.getElementById('flame-hide').addEventListener('change', function () {
    setView(flame.view);
  });
  document.getElementById('flame-reset').addEventListener('click', function () {
    flame.zoom = flame.root;
    drawFlame();
  });
  var pending = false;
  window.addEventListener('resize', function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; drawChart(); drawFlame(); });
  });
  document.body.setAttribute('data-ready', '1');
})();
