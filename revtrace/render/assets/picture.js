// The report's lineage picture: lays out the data of the element "revtrace-picture" with
// elkjs (inlined before this script), draws it as SVG, and makes it interactive. Shipped
// with revtrace and inlined into each report by revtrace/render/picture.py. Every string
// from the catalog is set with textContent, never as markup.
(function () {
  var errors = [];
  function failed(message) { errors.push(String(message)); document.body.dataset.errors = errors.length; }
  window.addEventListener('error', function (e) { failed(e.message); });
  window.addEventListener('unhandledrejection', function (e) { failed(e.reason); });
  var data = JSON.parse(document.getElementById('revtrace-picture').textContent);
  var SVG = 'http://www.w3.org/2000/svg';
  var svg = document.getElementById('lineage');
  var viewport = document.getElementById('viewport');
  var status = document.getElementById('status');
  var details = document.getElementById('details');
  var search = document.getElementById('search');
  var nodes = data.nodes, edges = data.edges;
  var shown = data.shown ? data.shown : nodes.map(function (_, i) { return i; });
  var drawn = {}; shown.forEach(function (i) { drawn[i] = true; });
  var NAME = 13, SUB = 11.5, LINE = 16, PAD = 8, MAXW = 190, MINW = 110;
  var out = nodes.map(function () { return []; }), into = nodes.map(function () { return []; });
  edges.forEach(function (e, k) { out[e.s].push(k); into[e.t].push(k); });

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    for (var key in attrs) node.setAttribute(key, attrs[key]);
    if (parent) parent.appendChild(node);
    return node;
  }
  // Text is measured, then wrapped onto lines that fit (never cut).
  var canvas = document.createElement('canvas').getContext('2d');
  function width(text, size, weight) {
    canvas.font = (weight || '') + ' ' + size + 'px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
    return canvas.measureText(text).width;
  }
  function wrap(text, size, weight, limit) {
    var words = text.split(/\s+/).filter(Boolean), lines = [], line = '';
    words.forEach(function (word) {
      var candidate = line ? line + ' ' + word : word;
      if (!line || width(candidate, size, weight) <= limit) { line = candidate; return; }
      lines.push(line); line = word;
    });
    if (line) lines.push(line);
    var result = [];
    lines.forEach(function (l) {  // a single word wider than the box is broken, not cut
      while (width(l, size, weight) > limit && l.length > 1) {
        var n = l.length - 1;
        while (n > 1 && width(l.slice(0, n), size, weight) > limit) n--;
        n = breakAt(l, n);
        result.push(l.slice(0, n)); l = l.slice(n);
      }
      result.push(l);
    });
    return result.length ? result : [''];
  }
  // Where a word too long for its box breaks, given that its first n characters fit:
  // after a . - _ or /, or before an @, when that keeps at least half of them (an email
  // reads "sales-development" / "@example.com", not "…@example." / "com").
  function breakAt(word, n) {
    var at = word.lastIndexOf('@', n);
    if (at > n / 2) return at;
    for (var k = n; k > n / 2; k--) if ('.-_/'.indexOf(word.charAt(k - 1)) >= 0) return k;
    return n;
  }
  var boxes = nodes.map(function (n) {
    var lines = wrap(n.name, NAME, '600', MAXW - 2 * PAD);
    // A name two drawn metrics share: each one's id under it tells them apart, in the
    // place of its owner and team (in its details; a box no taller than its neighbours').
    var sub = n.twin && n.id !== n.name ? n.id : [n.owner, n.team].filter(Boolean).join(' · ');
    var subLines = sub ? wrap(sub, SUB, '', MAXW - 2 * PAD) : [];
    var w = Math.max(MINW, Math.max.apply(null, lines.map(function (l) { return width(l, NAME, '600'); })
      .concat(subLines.map(function (l) { return width(l, SUB, ''); }))) + 2 * PAD + 2);
    var h = PAD * 2 + lines.length * LINE + subLines.length * (LINE - 2);
    return {lines: lines, sub: subLines, w: Math.ceil(Math.min(MAXW, w)), h: h};
  });
  var columnWidth = MAXW + 120;
  var OPTIONS = {
    'elk.algorithm': 'layered', 'elk.direction': 'RIGHT',
    'elk.layered.layering.strategy': 'INTERACTIVE',
    'elk.layered.cycleBreaking.strategy': 'INTERACTIVE',
    'elk.edgeRouting': 'ORTHOGONAL',
    'elk.separateConnectedComponents': 'false',
    'elk.layered.spacing.nodeNodeBetweenLayers': '56',
    'elk.layered.spacing.edgeNodeBetweenLayers': '20',
    'elk.spacing.nodeNode': '14',
    'elk.spacing.edgeNode': '12',
    'elk.spacing.edgeLabel': '2',
    'elk.layered.thoroughness': '100',
    'elk.layered.crossingMinimization.greedySwitch.type': 'TWO_SIDED',
    'elk.padding': '[top=12,left=16,bottom=16,right=16]'
  };
  // Two bands, each laid out by ELK on its own: the metrics on a path to revenue, and the
  // others (without a path, then the views of revenue). The links between them (revenue
  // to its views, a metric feeding one without a path) are `across`, routed in `combine`.
  var bands = [0, 1].map(function (band) {
    return {
      id: 'band' + band, layoutOptions: OPTIONS, edges: [],
      children: shown.filter(function (i) { return nodes[i].band === band; }).map(function (i) {
        return {id: 'n' + i, width: boxes[i].w, height: boxes[i].h, x: nodes[i].column * columnWidth, y: 0};
      })
    };
  });
  // The metrics linked to nothing (band 2): a grid, filled down the columns given, every
  // column starting at the top. No link to route, so no ELK (it would centre each column
  // and reorder it).
  function grid() {
    var columns = [], x = 16, height = 0, children = [];
    shown.forEach(function (i) {
      if (nodes[i].band === 2) (columns[nodes[i].column] = columns[nodes[i].column] || []).push(i);
    });
    columns.forEach(function (members) {
      var y = 12, w = 0;
      members.forEach(function (i) {
        children.push({id: 'n' + i, x: x, y: y, width: boxes[i].w, height: boxes[i].h});
        y += boxes[i].h + 14; w = Math.max(w, boxes[i].w);
      });
      height = Math.max(height, y + 2);
      x += w + 56;
    });
    return children.length ? {width: x - 40, height: height, children: children, edges: []} : null;
  }
  var across = [];
  function label(e) {
    var text = (e.elasticity > 0 ? '+' : '') + e.elasticity;
    return {text: text, width: width(text, 11, '') + 4, height: 13};
  }
  edges.forEach(function (e, k) {
    if (!drawn[e.s] || !drawn[e.t]) return;
    if (nodes[e.s].band !== nodes[e.t].band) { across.push(k); return; }
    var edge = {id: 'e' + k, sources: ['n' + e.s], targets: ['n' + e.t]};
    if (e.elasticity !== null) {
      // At the link's tail: a label in the middle would be a node of its own for ELK,
      // and move boxes out of their columns.
      var l = label(e);
      l.layoutOptions = {'elk.edgeLabels.placement': 'TAIL'};
      edge.labels = [l];
    }
    bands[nodes[e.s].band].edges.push(edge);
  });

  // The columns ELK made in one band, left to right: boxes whose centres are close.
  function layersOf(children) {
    var layers = [];
    children.slice().sort(function (a, b) { return (a.x + a.width / 2) - (b.x + b.width / 2); }).forEach(function (c) {
      var centre = c.x + c.width / 2, last = layers[layers.length - 1];
      if (!last || centre - last.centre >= 60) { last = {centre: centre, left: c.x, right: c.x + c.width, members: []}; layers.push(last); }
      last.left = Math.min(last.left, c.x); last.right = Math.max(last.right, c.x + c.width);
      last.members.push(c);
    });
    return layers;
  }
  // Room for the links across (a track each) and for the lower band's headings.
  // Tracks 6 px apart, closer when there are many (at most 160 px between the bands).
  var TRACK = Math.max(1, Math.min(6, 160 / Math.max(1, across.length))), BAND_HEAD = 30, BESIDE = 40;
  // The view's room for the picture: its width, and the height it may grow to (78% of
  // the window's, as the style sheet says, less the bar of headings).
  function room() {
    return {w: viewport.clientWidth - 4, h: window.innerHeight * 0.78 - 28};
  }
  // One layout of both bands. Side by side (the band off the path on the left, as the
  // farthest from revenue) when no link joins them and that shows the whole picture,
  // readable, at a larger scale; else the band off the path under the other, both ending
  // on the right, where revenue is and where the first view starts. Each link across is
  // routed through the gaps between columns (ELK leaves 56 px there at least) and a track
  // of its own under the upper band, or round the right edge from revenue to its views:
  // through no box.
  function combine(results) {
    var upper = results[0], lower = results[1], loose = results[2];
    var w0 = upper ? upper.width : 0, h0 = upper ? upper.height : 0;
    var w1 = lower ? lower.width : 0, h1 = lower ? lower.height : 0;
    var w2 = loose ? loose.width : 0;
    var tracks = across.length ? 8 + TRACK * across.length : 0;
    var space = room();
    function scale(w, h) { return Math.min(1, space.w / w, space.h / h); }
    // Links across side by side would run back under the whole picture (revenue to its
    // views): only one above the other routes them well.
    // Side by side only when the whole picture then fits at a readable scale: otherwise
    // the first view (on the revenue side) would leave the band on the left out of sight.
    var sideScale = scale(w1 + BESIDE + w0, Math.max(h0, h1) + tracks);
    var beside = !!(upper && lower) && !loose && !across.length && sideScale >= MIN_SCALE &&
      sideScale > scale(Math.max(w0, w1) + 8, h0 + tracks + BAND_HEAD + h1);
    var widest = Math.max(w0, w1, w2);
    var top1 = upper ? h0 + tracks + BAND_HEAD : 0;
    // The grid of metrics linked to nothing last, under the others, ending on the right too.
    var top2 = lower ? top1 + h1 + BAND_HEAD : top1;
    var place = beside
      ? [{x: w1 + BESIDE, y: 0}, {x: 0, y: 0}]
      : [{x: widest - w0, y: 0}, {x: widest - w1, y: top1}, {x: widest - w2, y: top2}];
    var channel = beside ? Math.max(h0, h1) : h0;
    var out = {width: beside ? w1 + BESIDE + w0 : widest, height: 0, children: [], edges: [], bandTops: [], beside: beside};
    var layerOf = {};
    [upper, lower, loose].forEach(function (layout, band) {
      if (!layout) return;
      var left = place[band].x, top = place[band].y;
      out.bandTops[band] = top;
      function moved(p) { return {x: p.x + left, y: p.y + top}; }
      layout.children.forEach(function (c) {
        out.children.push({id: c.id, x: c.x + left, y: c.y + top, width: c.width, height: c.height});
      });
      (layout.edges || []).forEach(function (le) {
        out.edges.push({id: le.id,
          sections: (le.sections || []).map(function (s) {
            return {startPoint: moved(s.startPoint), endPoint: moved(s.endPoint), bendPoints: (s.bendPoints || []).map(moved)};
          }),
          labels: (le.labels || []).map(function (l) { return {text: l.text, x: l.x + left, y: l.y + top}; })});
      });
      var layers = layersOf(out.children.filter(function (c) { return nodes[+c.id.slice(1)].band === band; }));
      layers.forEach(function (layer, i) {
        layer.last = i === layers.length - 1;
        layer.members.forEach(function (c) { layerOf[c.id] = layer; });
      });
      out.height = Math.max(out.height, top + layout.height);
    });
    if (beside) out.height += tracks;
    var at = {}, outer = 0, right = out.width;
    out.children.forEach(function (c) { at[c.id] = c; });
    across.forEach(function (k, track) {
      var e = edges[k], s = at['n' + e.s], t = at['n' + e.t];
      var lane = 8 + 4 * (track % 6), sy = s.y + s.height / 2, ty = t.y + t.height / 2;
      var points;
      if (!beside && layerOf[s.id].last && layerOf[t.id].last) {
        // Both in the last column of their band (revenue and its views): round the right
        // edge, where nothing else is, into the box's right side.
        var x = right + 10 + 6 * outer++;
        points = [{x: s.x + s.width, y: sy}, {x: x, y: sy}, {x: x, y: ty}, {x: t.x + t.width, y: ty}];
      } else {
        // Otherwise through the gap after the source's column, a track of its own, and
        // the gap before the target's column, into its left side.
        var x1 = layerOf[s.id].right + lane, x2 = Math.max(2, layerOf[t.id].left - lane);
        var y = channel + 8 + TRACK * track;
        points = [{x: s.x + s.width, y: sy}, {x: x1, y: sy}, {x: x1, y: y}, {x: x2, y: y}, {x: x2, y: ty}, {x: t.x, y: ty}];
      }
      out.width = Math.max(out.width, Math.max.apply(null, points.map(function (p) { return p.x + 8; })));
      out.edges.push({id: 'e' + k, sections: [{startPoint: points[0], bendPoints: points.slice(1, -1), endPoint: points[points.length - 1]}],
        labels: e.elasticity === null ? [] : [{text: label(e).text, x: s.x + s.width + 1, y: sy - 14}]});
    });
    return out;
  }

  function draw(layout) {
    window.revtraceLayout = layout;
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var W = Math.ceil(layout.width), H = Math.ceil(layout.height);
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    var defs = el('defs', {}, svg);
    [['arrow', '#98a2b3'], ['arrow-cycle', '#f04438'], ['arrow-derived', '#32d583'], ['arrow-on', '#1570ef'], ['arrow-light', '#b9c0cb']].forEach(function (m) {
      var marker = el('marker', {id: m[0], viewBox: '0 0 10 10', refX: '9', refY: '5', markerWidth: '8', markerHeight: '8', markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse'}, defs);
      el('path', {d: 'M0,0 L10,5 L0,10 z', fill: m[1]}, marker);
    });
    // A heading over each column of each band, from the distances of the boxes in it
    // (ELK may move a box to another column to keep a loop's links short: the heading
    // says so).
    var lists = layout.bandTops.map(function (top, band) {
      var list = [], previous = null;
      layersOf(layout.children.filter(function (c) { return nodes[+c.id.slice(1)].band === band; })).forEach(function (layer) {
        var texts = [];
        layer.members.forEach(function (c) {
          var n = nodes[+c.id.slice(1)], text = data.headings[n.band][n.column] || '';
          if (texts.indexOf(text) < 0) texts.push(text);
        });
        var text = texts.sort().join(' · ');
        if (text !== previous) list.push({x: layer.left, text: text});
        previous = text;
      });
      return {top: top, list: list};
    });
    // Side by side, one bar of headings; one above the other, the lower band's headings
    // are drawn over it too, and the bar shows those of the band at the top of the view.
    bandHeadings = layout.beside ? [{top: 0, list: lists[1].list.concat(lists[0].list)}] : lists;
    if (!layout.beside) lists.forEach(function (band) {
      if (band.top > 0) band.list.forEach(function (h) {
        el('text', {'class': 'band-heading', x: h.x, y: band.top - 10}, svg).textContent = h.text;
      });
    });
    var edgeLayer = el('g', {'class': 'edges'}, svg), labelLayer = el('g', {'class': 'labels'}, svg);
    var nodeLayer = el('g', {'class': 'nodes'}, svg);
    (layout.edges || []).forEach(function (le) {
      var k = +le.id.slice(1), e = edges[k];
      var d = '';
      (le.sections || []).forEach(function (s) {
        // Orthogonal routes: straight segments, their corners slightly rounded.
        var p = [s.startPoint].concat(s.bendPoints || [], [s.endPoint]);
        function xy(q) { return q.x.toFixed(1) + ',' + q.y.toFixed(1); }
        d += 'M' + xy(p[0]);
        for (var q = 1; q < p.length; q++) {
          if (q + 1 < p.length) {
            var a = p[q - 1], b = p[q], c = p[q + 1];
            var r = Math.min(6, Math.hypot(b.x - a.x, b.y - a.y) / 2, Math.hypot(c.x - b.x, c.y - b.y) / 2);
            var ux = (b.x - a.x) / (Math.hypot(b.x - a.x, b.y - a.y) || 1), uy = (b.y - a.y) / (Math.hypot(b.x - a.x, b.y - a.y) || 1);
            var vx = (c.x - b.x) / (Math.hypot(c.x - b.x, c.y - b.y) || 1), vy = (c.y - b.y) / (Math.hypot(c.x - b.x, c.y - b.y) || 1);
            d += ' L' + xy({x: b.x - ux * r, y: b.y - uy * r}) + ' Q' + xy(b) + ' ' + xy({x: b.x + vx * r, y: b.y + vy * r});
          } else d += ' L' + xy(p[q]);
        }
      });
      var css = 'edge' + (e.cycle ? ' cycle' : '') + (e.derived ? ' derived' : '') + (!e.quantified ? ' unquantified' : '') + (e.confidence === 'assumed' ? ' assumed' : '');
      var marker = e.cycle ? 'arrow-cycle' : e.derived ? 'arrow-derived' : !e.quantified ? 'arrow-light' : 'arrow';
      var path = el('path', {'class': css, d: d, 'data-from': nodes[e.s].id, 'data-to': nodes[e.t].id, 'data-kind': e.kind, 'data-edge': k, 'marker-end': 'url(#' + marker + ')'}, edgeLayer);
      var words = [e.kind];
      if (e.elasticity !== null) words.push('elasticity ' + e.elasticity);
      else if (e.sign) words.push(e.sign);
      if (e.confidence) words.push(e.confidence);
      if (e.cycle) words.push('in a loop');
      el('title', {}, path).textContent = nodes[e.s].id + ' → ' + nodes[e.t].id + ' (' + words.join(', ') + ')' + (e.note ? ': ' + e.note : '');
      (le.labels || []).forEach(function (l) {
        var t = el('text', {'class': 'elabel', x: l.x + 2, y: l.y + 10, 'data-edge': k}, labelLayer);
        t.textContent = l.text;
      });
    });
    layout.children.forEach(function (c) {
      var i = +c.id.slice(1), n = nodes[i], b = boxes[i];
      var g = el('g', {'class': 'node', transform: 'translate(' + c.x + ',' + c.y + ')', 'data-metric': n.id, 'data-status': n.status, 'data-index': i, tabindex: '0', role: 'button'}, nodeLayer);
      g.setAttribute('aria-label', n.name + ' (' + n.id + '), ' + n.status);
      el('title', {}, g).textContent = n.name + ' (' + n.id + ')' + (n.owner ? ' · owner ' + n.owner : '') + (n.keep ? ' · ' + n.keep : '');
      el('rect', {width: c.width, height: c.height, rx: '7'}, g);
      var y = PAD + NAME;
      b.lines.forEach(function (line) { var t = el('text', {'class': 'name', x: PAD, y: y}, g); t.textContent = line; y += LINE; });
      b.sub.forEach(function (line) { var t = el('text', {'class': 'sub', x: PAD, y: y - 1}, g); t.textContent = line; y += LINE - 2; });
    });
    fit(true);
  }

  // Zoom: the picture's own scale; never so small that a name is under 11 px.
  var scale = 1, MIN_SCALE = 11.05 / NAME;  // a hair above 11 px, whatever the rounding
  // Column headings stay in view at the top of the scrolled picture (HTML, not SVG: an
  // SVG cannot keep text in place while it scrolls).
  // The bar shows the headings of the band at the top of the view.
  var bandHeadings = [], headingBar = document.getElementById('headings'), barBand = null;
  function heads(force) {
    var band = 0;
    bandHeadings.forEach(function (b, i) { if (b && i > 0 && viewport.scrollTop / scale >= b.top - BAND_HEAD) band = i; });
    if (band === barBand && !force) return;
    barBand = band;
    while (headingBar.firstChild) headingBar.removeChild(headingBar.firstChild);
    headingBar.style.width = (svg.viewBox.baseVal.width * scale) + 'px';
    (bandHeadings[band] ? bandHeadings[band].list : []).forEach(function (h) {
      var span = document.createElement('span');
      span.textContent = h.text;
      span.style.left = (h.x * scale) + 'px';
      headingBar.appendChild(span);
    });
  }
  viewport.addEventListener('scroll', function () { heads(false); });
  function apply() {
    var box = svg.viewBox.baseVal;
    svg.style.width = (box.width * scale) + 'px';
    svg.style.height = (box.height * scale) + 'px';
    heads(true);
  }
  function zoom(factor) { scale = Math.min(3, Math.max(0.2, scale * factor)); apply(); }
  function fit(initial) {
    var box = svg.viewBox.baseVal;
    var byHeight = (viewport.clientHeight - 4) / box.height, byWidth = (viewport.clientWidth - 4) / box.width;
    var best = Math.min(1, Math.min(byHeight, byWidth));
    // At first: the whole picture if its names stay readable, else readable and scrolled
    // to the revenue side. The fit button shows everything, however small.
    scale = initial ? Math.max(MIN_SCALE, best) : best;
    apply();
    if (!initial) return;
    // Start on the revenue side: the right edge, the revenue metrics in the middle.
    viewport.scrollLeft = viewport.scrollWidth;
    var top = Infinity, bottom = -Infinity;
    (window.revtraceLayout ? window.revtraceLayout.children : []).forEach(function (c) {
      if (nodes[+c.id.slice(1)].revenue) { top = Math.min(top, c.y); bottom = Math.max(bottom, c.y + c.height); }
    });
    if (top === Infinity) return;
    viewport.scrollTop = (top + bottom) / 2 * scale - viewport.clientHeight / 2;
    // The band off the path under the other: scrolled down as far as it takes to show it
    // (the candidates to drop), as long as the revenue metrics stay in view under the bar.
    var layout = window.revtraceLayout, off = offPathTop(layout);
    if (!layout.beside && layout.bandTops[0] !== undefined && off !== undefined) {
      var whole = viewport.scrollHeight - viewport.clientHeight, keep = top * scale - 8;
      viewport.scrollTop = Math.max(viewport.scrollTop, Math.min(whole, keep));
      // Still below the view (a tall picture): a button in the header says how many they
      // are and takes the view there.
      var below = off * scale > viewport.scrollTop + viewport.clientHeight - 60;
      var count = layout.children.filter(function (c) { return nodes[+c.id.slice(1)].band > 0; }).length;
      offPath.hidden = !below;
      offPath.textContent = '↓ ' + count + ' off the path to revenue';
    }
  }
  // Where the metrics off the path start: the band of those without a path, else the
  // grid of those linked to nothing.
  function offPathTop(layout) {
    return layout.bandTops[1] !== undefined ? layout.bandTops[1] : layout.bandTops[2];
  }
  var offPath = document.getElementById('to-off-path');
  offPath.addEventListener('click', function () {
    viewport.scrollTop = (offPathTop(window.revtraceLayout) - BAND_HEAD) * scale;
    viewport.scrollLeft = viewport.scrollWidth;
    if (viewport.scrollIntoView) viewport.scrollIntoView({block: 'nearest'});
  });
  document.getElementById('zoom-in').addEventListener('click', function () { zoom(1.25); });
  document.getElementById('zoom-out').addEventListener('click', function () { zoom(0.8); });
  document.getElementById('zoom-fit').addEventListener('click', function () { fit(false); });
  viewport.addEventListener('wheel', function (e) {
    if (!e.ctrlKey && !e.metaKey) return;  // a plain wheel scrolls; with Ctrl it zooms
    e.preventDefault(); zoom(e.deltaY < 0 ? 1.1 : 0.9);
  }, {passive: false});
  var drag = null;
  viewport.addEventListener('mousedown', function (e) {
    if (e.target.closest && e.target.closest('.node')) return;
    drag = {x: e.clientX, y: e.clientY, left: viewport.scrollLeft, top: viewport.scrollTop};
    viewport.classList.add('panning');
  });
  window.addEventListener('mousemove', function (e) {
    if (!drag) return;
    viewport.scrollLeft = drag.left - (e.clientX - drag.x); viewport.scrollTop = drag.top - (e.clientY - drag.y);
  });
  window.addEventListener('mouseup', function () { drag = null; viewport.classList.remove('panning'); });

  function clear() {
    svg.classList.remove('dim');
    Array.prototype.forEach.call(svg.querySelectorAll('.on, .picked'), function (x) { x.classList.remove('on'); x.classList.remove('picked'); });
    details.hidden = true; status.textContent = '';
  }
  // A metric's paths to revenue: every link from it (or from a metric after it) to a
  // metric that reaches revenue, stopping at revenue metrics.
  function paths(index) {
    var seen = {}, lit = [], queue = [index]; seen[index] = true;
    while (queue.length) {
      var i = queue.shift();
      if (nodes[i].revenue && i !== index) continue;
      out[i].forEach(function (k) {
        var t = edges[k].t;
        if (!nodes[t].reaches) return;
        lit.push(k);
        if (!seen[t]) { seen[t] = true; queue.push(t); }
      });
    }
    return {nodes: Object.keys(seen).map(Number), edges: lit};
  }
  function row(list, label, value) {
    if (!value) return;
    var dt = document.createElement('dt'); dt.textContent = label;
    var dd = document.createElement('dd'); dd.textContent = value;
    list.appendChild(dt); list.appendChild(dd);
  }
  function linkWords(k) {
    var e = edges[k], words = [];
    if (e.elasticity !== null) words.push('elasticity ' + e.elasticity);
    else if (e.sign) words.push(e.sign);
    else if (!e.derived) words.push('no elasticity');
    if (e.confidence) words.push(e.confidence);
    if (e.derived) words.push(e.kind === 'formula' ? 'formula' : 'computed from');
    return words.join(', ') + (e.note ? ' — ' + e.note : '');
  }
  function select(index) {
    clear();
    var n = nodes[index], found = paths(index);
    svg.classList.add('dim');
    found.nodes.forEach(function (i) { var g = svg.querySelector('.node[data-index="' + i + '"]'); if (g) g.classList.add('on'); });
    found.edges.forEach(function (k) {
      Array.prototype.forEach.call(svg.querySelectorAll('[data-edge="' + k + '"]'), function (x) { x.classList.add('on'); });
    });
    var own = svg.querySelector('.node[data-index="' + index + '"]');
    if (own) { own.classList.add('picked'); if (own.scrollIntoView) own.scrollIntoView({block: 'center', inline: 'center'}); }
    while (details.firstChild) details.removeChild(details.firstChild);
    var title = document.createElement('b'); title.textContent = n.name; details.appendChild(title);
    var list = document.createElement('dl'); details.appendChild(list);
    row(list, 'id', n.id); row(list, 'owner', n.owner); row(list, 'team', n.team);
    row(list, 'defined at', n.where); row(list, 'description', n.description);
    row(list, 'status', n.status + (n.distance !== null && !n.revenue ? ', ' + n.distance + ' link(s) from revenue' : ''));
    row(list, 'why no path', n.why); row(list, 'kept', n.keep);
    row(list, 'view of', n.view_of);
    out[index].forEach(function (k) { row(list, '→ ' + nodes[edges[k].t].id, linkWords(k)); });
    into[index].forEach(function (k) { row(list, '← ' + nodes[edges[k].s].id, linkWords(k)); });
    if (!drawn[index]) row(list, 'not drawn', 'outside the focus of this picture: ' + data.note);
    details.hidden = false;
    status.textContent = n.id + (found.edges.length ? ': ' + found.edges.length + ' link(s) on its paths to revenue' : n.reaches ? '' : ': no path to revenue');
    return found;
  }
  window.revtraceSelect = function (id) {
    for (var i = 0; i < nodes.length; i++) if (nodes[i].id === id) return select(i);
    return null;
  };
  svg.addEventListener('click', function (e) {
    var g = e.target.closest ? e.target.closest('.node') : null;
    if (g) select(+g.getAttribute('data-index'));
  });
  svg.addEventListener('keydown', function (e) {
    var g = e.target.closest ? e.target.closest('.node') : null;
    if (g && (e.key === 'Enter' || e.key === ' ')) { e.preventDefault(); select(+g.getAttribute('data-index')); }
  });
  document.addEventListener('keydown', function (e) { if (e.key === 'Escape') { clear(); search.value = ''; } });
  search.addEventListener('input', function () {
    var query = search.value.trim().toLowerCase();
    if (!query) { clear(); return; }
    for (var i = 0; i < nodes.length; i++) {
      if (nodes[i].id.toLowerCase().indexOf(query) >= 0 || nodes[i].name.toLowerCase().indexOf(query) >= 0) { select(i); return; }
    }
    clear(); status.textContent = 'no metric matches';
  });

  var started = Date.now();
  var elk = new ELK();
  Promise.all(bands.map(function (g) { return g.children.length ? elk.layout(g) : null; })).then(function (results) {
    draw(combine(results.concat([grid()])));
    document.body.dataset.layoutMs = String(Date.now() - started);
    if (location.hash.length > 1) {
      var wanted = decodeURIComponent(location.hash.slice(1));
      if (window.revtraceSelect(wanted)) search.value = wanted;
    }
    document.body.dataset.ready = '1';
  }).catch(function (e) {
    failed(e && e.message ? e.message : e);
    status.textContent = 'the picture could not be laid out; the tables below are complete';
  });
})();
