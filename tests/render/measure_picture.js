// Appended to a report by tests/render/test_picture_browser.py: measures the drawn
// picture after its layout and writes the figures into <body data-measure>.
(function () {
  function sample(path, step) {
    var length = path.getTotalLength(), points = [];
    for (var d = 0; d <= length; d += step) { var p = path.getPointAtLength(d); points.push([p.x, p.y]); }
    var end = path.getPointAtLength(length); points.push([end.x, end.y]);
    return points;
  }
  function cross(a, b, c, d) {
    function side(p, q, r) { return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]); }
    var d1 = side(c, d, a), d2 = side(c, d, b), d3 = side(a, b, c), d4 = side(a, b, d);
    return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0));
  }
  function measure() {
    var svg = document.getElementById('lineage');
    var data = JSON.parse(document.getElementById('revtrace-picture').textContent);
    var byId = {};
    data.nodes.forEach(function (n) { byId[n.id] = n; });
    var boxes = {}, result = {nodes: [], edges: 0, arrowless: [], through: [], crossings: 0,
                                smallest: 1e9, cut: [], overflow: [], statuses: {}, overlaps: [],
                                boxes: {}, subs: {}};
    var scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    // The header: its height, the top of each control, whether the files' names are cut.
    var files = document.querySelector('header .files');
    result.header = {
      height: document.querySelector('header').getBoundingClientRect().height,
      tops: ['search', 'zoom-out', 'zoom-in', 'zoom-fit'].map(function (id) {
        return Math.round(document.getElementById(id).getBoundingClientRect().top);
      }),
      filesCut: !!files && files.scrollWidth > files.clientWidth,
      filesTitle: files ? files.getAttribute('title') : null
    };
    Array.prototype.forEach.call(svg.querySelectorAll('g[data-metric]'), function (g) {
      var id = g.getAttribute('data-metric'), rect = g.querySelector('rect');
      var m = g.transform.baseVal.consolidate().matrix;
      boxes[id] = [m.e, m.f, m.e + rect.width.baseVal.value, m.f + rect.height.baseVal.value];
      result.nodes.push(id);
      result.statuses[g.getAttribute('data-status')] = (result.statuses[g.getAttribute('data-status')] || 0) + 1;
      var names = g.querySelectorAll('text.name'), joined = '';
      Array.prototype.forEach.call(g.querySelectorAll('text'), function (t) {
        var size = parseFloat(getComputedStyle(t).fontSize) * scale;
        if (t.classList.contains('name') && size < result.smallest) result.smallest = size;
        var b = t.getBBox();
        if (b.x < -0.5 || b.y < -0.5 || b.x + b.width > rect.width.baseVal.value + 0.5 || b.y + b.height > rect.height.baseVal.value + 0.5) result.overflow.push(id);
      });
      Array.prototype.forEach.call(names, function (t) { joined += t.textContent; });
      result.subs[id] = Array.prototype.map.call(g.querySelectorAll('text.sub'), function (t) { return t.textContent; }).join('');
      if (joined.replace(/\s+/g, '') !== byId[id].name.replace(/\s+/g, '') || joined.indexOf('\u2026') >= 0) result.cut.push(id);
    });
    var ids = Object.keys(boxes);
    ids.forEach(function (id, i) {
      var a = boxes[id];
      result.boxes[id] = a;
      for (var j = i + 1; j < ids.length; j++) {
        var b = boxes[ids[j]];
        if (a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]) result.overlaps.push(id + ' ' + ids[j]);
      }
    });
    var lines = [];
    Array.prototype.forEach.call(svg.querySelectorAll('path[data-from]'), function (p) {
      result.edges++;
      var marker = p.getAttribute('marker-end') || '';
      if (!/^url\(#arrow/.test(marker)) result.arrowless.push(p.getAttribute('data-from') + '>' + p.getAttribute('data-to'));
      var from = p.getAttribute('data-from'), to = p.getAttribute('data-to');
      var points = sample(p, 3);
      for (var id in boxes) {
        if (id === from || id === to) continue;
        var b = boxes[id];
        for (var k = 0; k < points.length; k++) {
          var q = points[k];
          if (q[0] > b[0] + 2 && q[0] < b[2] - 2 && q[1] > b[1] + 2 && q[1] < b[3] - 2) { result.through.push(from + '>' + to + ' through ' + id); break; }
        }
      }
      var coarse = sample(p, 8), box = [1e9, 1e9, -1e9, -1e9];
      coarse.forEach(function (q) { box[0] = Math.min(box[0], q[0]); box[1] = Math.min(box[1], q[1]); box[2] = Math.max(box[2], q[0]); box[3] = Math.max(box[3], q[1]); });
      lines.push({from: from, to: to, points: coarse, box: box});
    });
    for (var i = 0; i < lines.length; i++) for (var j = i + 1; j < lines.length; j++) {
      var a = lines[i], c = lines[j];
      if (a.from === c.from || a.from === c.to || a.to === c.from || a.to === c.to) continue;
      if (a.box[2] < c.box[0] || c.box[2] < a.box[0] || a.box[3] < c.box[1] || c.box[3] < a.box[1]) continue;
      for (var s = 0; s + 1 < a.points.length; s++) for (var t = 0; t + 1 < c.points.length; t++)
        if (cross(a.points[s], a.points[s + 1], c.points[t], c.points[t + 1])) result.crossings++;
    }
    result.layoutMs = +document.body.dataset.layoutMs;
    document.body.dataset.measure = JSON.stringify(result);
  }
  (function wait() { if (document.body.dataset.ready) measure(); else setTimeout(wait, 50); })();
})();
