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
        result.push(l.slice(0, n)); l = l.slice(n);
      }
      result.push(l);
    });
    return result.length ? result : [''];
  }
  var boxes = nodes.map(function (n) {
    var lines = wrap(n.name, NAME, '600', MAXW - 2 * PAD);
    var sub = [n.owner, n.team].filter(Boolean).join(' · ');
    var subLines = sub ? wrap(sub, SUB, '', MAXW - 2 * PAD) : [];
    var w = Math.max(MINW, Math.max.apply(null, lines.map(function (l) { return width(l, NAME, '600'); })
      .concat(subLines.map(function (l) { return width(l, SUB, ''); }))) + 2 * PAD + 2);
    var h = PAD * 2 + lines.length * LINE + subLines.length * (LINE - 2);
    return {lines: lines, sub: subLines, w: Math.ceil(Math.min(MAXW, w)), h: h};
  });
  var columnWidth = MAXW + 120;
  var graph = {
    id: 'root',
    layoutOptions: {
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
    },
    children: shown.map(function (i) {
      return {id: 'n' + i, width: boxes[i].w, height: boxes[i].h, x: nodes[i].column * columnWidth, y: 0};
    }),
    edges: []
  };
  edges.forEach(function (e, k) {
    if (!drawn[e.s] || !drawn[e.t]) return;
    var edge = {id: 'e' + k, sources: ['n' + e.s], targets: ['n' + e.t]};
    if (e.elasticity !== null) {
      var text = (e.elasticity > 0 ? '+' : '') + e.elasticity;
      // At the link's tail: a label in the middle would be a node of its own for ELK,
      // and move boxes out of their columns.
      edge.labels = [{text: text, width: width(text, 11, '') + 4, height: 13,
                      layoutOptions: {'elk.edgeLabels.placement': 'TAIL'}}];
    }
    graph.edges.push(edge);
  });

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
    // A heading over each layer ELK made, from the distances of the boxes in it (ELK may
    // move a box to another layer to keep a loop's links short: the heading says so).
    var layers = {};
    layout.children.forEach(function (c) {
      var key = Math.round(c.x + c.width / 2);
      var found = null;
      for (var k in layers) if (Math.abs(k - key) < 60) found = k;
      if (found === null) { layers[key] = {x: c.x, texts: []}; found = key; }
      layers[found].x = Math.min(layers[found].x, c.x);
      var text = data.headings[nodes[+c.id.slice(1)].column] || '';
      if (layers[found].texts.indexOf(text) < 0) layers[found].texts.push(text);
    });
    var previous = null;
    headings = [];
    Object.keys(layers).map(Number).sort(function (a, b) { return a - b; }).forEach(function (k) {
      var text = layers[k].texts.sort().join(' · ');
      if (text === previous) return;
      previous = text;
      headings.push({x: layers[k].x, text: text});
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
  var headings = [], headingBar = document.getElementById('headings');
  function apply() {
    var box = svg.viewBox.baseVal;
    svg.style.width = (box.width * scale) + 'px';
    svg.style.height = (box.height * scale) + 'px';
    while (headingBar.firstChild) headingBar.removeChild(headingBar.firstChild);
    headingBar.style.width = (box.width * scale) + 'px';
    headings.forEach(function (h) {
      var span = document.createElement('span');
      span.textContent = h.text;
      span.style.left = (h.x * scale) + 'px';
      headingBar.appendChild(span);
    });
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
    if (top < Infinity) viewport.scrollTop = (top + bottom) / 2 * scale - viewport.clientHeight / 2;
  }
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
  new ELK().layout(graph).then(function (layout) {
    draw(layout);
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
