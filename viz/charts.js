// The single-user page's charts, drawn in the browser from their numbers (viz/svg.py's *_data functions).
//
// Why: a Step used to send ~15 KB of SVG markup that the server had drawn (0.4 ms of its time, and as much
// again compressing and sending it: ~20 KB a Step); the numbers are a tenth of that, and the drawing costs the server
// nothing. viz/svg.py draws the same charts for the room's pages and the boards view (one drawing serves
// every session there) and is the reference: line_chart and network_chart below are its line_chart and
// network_chart step for step, down to Python's number formatting, and tests/test_charts_js.py checks in
// Chromium that both give the same markup, character for character, on every shipped scenario and on
// generated data. A change to one is a change to the other.

function pyEscape(s) {  // html.escape(s)
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;').replace(/'/g, '&#x27;');
}

function f1(x) {  // f"{x:.1f}": as toFixed(1), but an exact tie (an odd multiple of 0.25) goes to even
  if (Object.is(x, -0)) return '-0.0';
  var q = x * 4;  // exact (a power of two)
  if (Number.isInteger(q) && q % 2 !== 0) {
    var lo = Math.floor(x * 10);  // x * 10 is exact here: a multiple of 0.5
    return (((lo % 2 === 0) ? lo : lo + 1) / 10).toFixed(1);  // (|x| >= 0.25: never a signed zero)
  }
  return x.toFixed(1);
}

function pyFloat(x) {  // f"{x}" of a Python float: the shortest repr, with ".0" when it is a whole number
  // (Python switches to an exponent below 1e-4 and from 1e16, JavaScript below 1e-6 and from 1e21: no
  // coordinate of these charts comes near either)
  return Number.isInteger(x) ? x.toFixed(1) : String(x);
}

function sixFigures(v) {  // |v| to 6 significant figures as Python rounds them: [the 6 digits, the exponent]
  var js = Math.abs(v).toExponential(5).split('e');  // an exact tie goes up here
  var exact = Math.abs(v).toExponential(40).split('e');  // far past where any double can sit next to a tie
  var d = exact[0].replace('.', '');
  if (/^50*$/.test(d.slice(6)) && Number(d[5]) % 2 === 0) return [d.slice(0, 6), Number(exact[1])];  // to even
  return [js[0].replace('.', ''), Number(js[1])];
}

function pyG(v) {  // f"{v:g}" (6 significant figures, trailing zeros dropped)
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  var fig = sixFigures(v), digits = fig[0], e = fig[1], sign = v < 0 ? '-' : '';
  if (e >= -4 && e < 6) {
    var s = e >= 0 ? digits.slice(0, e + 1) + '.' + digits.slice(e + 1)
                   : '0.' + '0'.repeat(-e - 1) + digits;
    return sign + s.replace(/0+$/, '').replace(/\.$/, '');
  }
  var mant = (digits[0] + '.' + digits.slice(1)).replace(/0+$/, '').replace(/\.$/, '');
  return sign + mant + 'e' + (e < 0 ? '-' : '+') + (Math.abs(e) < 10 ? '0' : '') + Math.abs(e);
}

function pyFloorDiv(a, b) {  // a // b for Python floats (CPython's float_floor_div)
  var mod = a % b;
  var div = (a - mod) / b;
  if (mod && ((b < 0) !== (mod < 0))) div -= 1.0;
  var fl = Math.floor(div);
  if (div - fl > 0.5) fl += 1.0;
  return fl;
}

function pyRound10(x) {  // round(x, 10)
  return Number(x.toFixed(10));
}

function niceTicks(low, high, n) {
  n = n || 5;
  var span = Math.max(1.0, Math.abs(low), Math.abs(high));
  if (high - low < 1e-6 * span) high = low + Math.max(1.0, 1e-6 * span);
  var raw = (high - low) / n;
  var e = Math.floor(Math.log10(raw));
  var magnitude = e >= 0 ? Math.pow(10, e) : 1 / Math.pow(10, -e);
  var step = 10 * magnitude;
  var ms = [1, 2, 2.5, 5, 10];
  for (var i = 0; i < ms.length; i++) {
    if (ms[i] * magnitude >= raw) { step = ms[i] * magnitude; break; }
  }
  var start = Math.floor(low / step) * step;
  var ticks = [pyRound10(start)];
  while (ticks[ticks.length - 1] < high - step * 1e-9) ticks.push(pyRound10(ticks[ticks.length - 1] + step));
  return ticks;
}

function svgOpen(width, height, font, label) {
  return "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 " + width + ' ' + height + "' width='100%' " +
    "style='max-width:" + width + "px;height:auto;display:block' font-family='sans-serif' font-size='" + font +
    "' role='img' aria-label='" + pyEscape(label) + "'><title>" + pyEscape(label) + '</title>';
}

function chars(s) {  // a string's characters as Python counts them (code points, not UTF-16 units)
  return Array.from(s);
}

function fitLabel(label, roomPx, font) {
  var most = Math.max(6, Math.trunc(roomPx / (0.55 * font)));
  var c = chars(label);
  return c.length <= most ? label : c.slice(0, most - 1).join('') + '…';
}

function lineChart(d, width, height, font) {
  var series = d.series, hlines = d.hlines || [];
  var line = font + 4;
  var left = 4 * font + 8, right = 12, top = 2 * font + 8, bottom = 2 * line + 10;
  var legend = [];
  series.forEach(function (s) { if (s[0]) legend.push([s[0], s[3], s[4]]); });
  hlines.forEach(function (h) { legend.push([h[0], h[2], true]); });
  var longest = legend.reduce(function (m, r) { return Math.max(m, chars(r[0]).length); }, 0) * 0.55 * font + 30;
  var perRow = Math.max(1, Math.min(3, pyFloorDiv(width - 8, Math.max(longest, 1))));
  var plotH = height - top - bottom;
  height = height + line * Math.ceil(legend.length / perRow);
  var xsAll = [], ysAll = [];
  series.forEach(function (s) { s[1].forEach(function (x) { xsAll.push(x); }); });
  series.forEach(function (s) { s[2].forEach(function (y) { ysAll.push(y); }); });
  hlines.forEach(function (h) { ysAll.push(h[1]); });
  if (!xsAll.length) xsAll = [1.0];
  if (!ysAll.length) ysAll = [0.0];
  var xMin = Math.min.apply(null, xsAll), xMax = Math.max.apply(null, xsAll);
  var x0 = xMin, x1 = Math.max(xMax, xMin + 1);
  var yt = niceTicks(Math.min.apply(null, ysAll), Math.max.apply(null, ysAll));
  var y0 = yt[0], y1 = yt[yt.length - 1];
  var sx = function (x) { return left + (x - x0) / (x1 - x0) * (width - left - right); };
  var sy = function (y) { return top + (1 - (y - y0) / (y1 - y0)) * plotH; };
  var kx = (width - left - right) / (x1 - x0), ky = plotH / (y1 - y0);
  var bx = left - x0 * kx, by = top + y1 * ky;
  var out = [svgOpen(width, height, font, d.title),
    "<text x='" + pyFloat(width / 2) + "' y='" + (font + 4) + "' text-anchor='middle' font-size='" + (font + 2) +
    "' font-weight='600'>" + pyEscape(d.title) + '</text>'];
  yt.forEach(function (y) {
    out.push("<line x1='" + left + "' x2='" + (width - right) + "' y1='" + f1(sy(y)) + "' y2='" + f1(sy(y)) +
      "' stroke='#eee'/>");
    out.push("<text x='" + (left - 4) + "' y='" + f1(sy(y) + 4) + "' text-anchor='end'>" + pyG(y) + '</text>');
  });
  for (var x = Math.ceil(x0); x <= Math.floor(x1); x++) {
    out.push("<text x='" + f1(sx(x)) + "' y='" + f1(top + plotH + line) + "' text-anchor='middle'>" + x + '</text>');
  }
  out.push("<rect x='" + left + "' y='" + top + "' width='" + (width - left - right) + "' height='" + f1(plotH) +
    "' fill='none' stroke='#999'/>");
  out.push("<text x='" + pyFloat((left + width - right) / 2) + "' y='" + f1(top + plotH + 2 * line) +
    "' text-anchor='middle'>" + pyEscape(d.xlabel) + '</text>');
  out.push("<text transform='translate(" + font + ',' + f1(top + plotH / 2) + ") rotate(-90)' text-anchor='middle'>" +
    pyEscape(d.ylabel) + '</text>');
  hlines.forEach(function (h) {
    out.push("<line x1='" + left + "' x2='" + (width - right) + "' y1='" + f1(sy(h[1])) + "' y2='" + f1(sy(h[1])) +
      "' stroke='" + h[2] + "' stroke-dasharray='2,3' stroke-width='1.5'/>");
  });
  series.forEach(function (s) {
    var points = [];
    for (var i = 0; i < Math.min(s[1].length, s[2].length); i++) {
      points.push(f1(bx + s[1][i] * kx) + ',' + f1(by - s[2][i] * ky));
    }
    var dash = s[4] ? " stroke-dasharray='6,4'" : '';
    out.push("<polyline points='" + points.join(' ') + "' fill='none' stroke='" + s[3] + "' stroke-width='2'" + dash + '/>');
    if (!s[4] && points.length) {
      out.push("<path d='M" + points.join('h0M') + "h0' stroke='" + s[3] + "' stroke-width='6' " +
        "stroke-linecap='round' fill='none'/>");
    }
  });
  var ly = top + plotH + 2 * line + 10 + font;
  legend.forEach(function (r, i) {
    var lx = 8 + (i % perRow) * (width - 8) / perRow, rowY = ly + Math.floor(i / perRow) * line;
    var dash = r[2] ? " stroke-dasharray='4,3'" : '';
    out.push("<line x1='" + pyFloat(lx) + "' x2='" + pyFloat(lx + 18) + "' y1='" + (rowY - 4) + "' y2='" + (rowY - 4) +
      "' stroke='" + r[1] + "' stroke-width='3'" + dash + "/><text x='" + pyFloat(lx + 22) + "' y='" + rowY + "'>" +
      pyEscape(fitLabel(r[0], width / perRow - 26, font)) + '</text>');
  });
  out.push('</svg>');
  return out.join('');
}

function shapeSvg(shape, x, y, fill, r) {
  var stroke = "stroke='#222' stroke-width='1.5'";
  if (shape === 'square') {
    return "<rect x='" + f1(x - r) + "' y='" + f1(y - r) + "' width='" + f1(2 * r) + "' height='" + f1(2 * r) +
      "' fill='" + fill + "' " + stroke + '/>';
  }
  if (shape === 'triangle') {
    return "<polygon points='" + f1(x) + ',' + f1(y - r - 1) + ' ' + f1(x - r) + ',' + f1(y + r * 0.8) + ' ' +
      f1(x + r) + ',' + f1(y + r * 0.8) + "' fill='" + fill + "' " + stroke + '/>';
  }
  if (shape === 'diamond') {
    return "<polygon points='" + f1(x) + ',' + f1(y - r - 1) + ' ' + f1(x + r + 1) + ',' + f1(y) + ' ' + f1(x) + ',' +
      f1(y + r + 1) + ' ' + f1(x - r - 1) + ',' + f1(y) + "' fill='" + fill + "' " + stroke + '/>';
  }
  return "<circle cx='" + f1(x) + "' cy='" + f1(y) + "' r='" + f1(r) + "' fill='" + fill + "' " + stroke + '/>';
}

// Python's str.split() separators (str.isspace()): JavaScript's \s differs (it has \ufeff, not \x1c-\x1f, \x85)
var PY_SPACE = /[\u0009-\u000d\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

function wrapName(name, most) {
  var words = name.split(PY_SPACE).filter(function (w) { return w; }), lines = [''];
  words.forEach(function (word) {
    var last = lines[lines.length - 1];
    if (last && chars(last).length + 1 + chars(word).length > most) lines.push(word);
    else lines[lines.length - 1] = (last + ' ' + word).replace(/^ +| +$/g, '');
  });
  return lines;
}

function networkChart(d, stances, width, height, font) {
  var narrow = width < 500, perRow = narrow ? 2 : 4;
  var kinds = d.kinds, nodes = d.nodes, colours = d.colours, words = d.words;
  var keyed = ['proposer', 'accepts', 'rejects', 'waiting'];
  var longest = kinds.reduce(function (m, k) { return Math.max(m, chars(k[1]).length); }, 0);
  var kindRow = Math.max(1, Math.min(perRow, pyFloorDiv(width - 14, font * (0.58 * longest + 1.6))));
  var keyRows = Math.ceil(kinds.length / kindRow) + Math.ceil(keyed.length / perRow);
  var line = font + 6, keyTop = font + 14;
  var padX = narrow ? 0.17 * width : 120;
  var mostLines = nodes.reduce(function (m, n) { return Math.max(m, wrapName(n[0], narrow ? 14 : 20).length + 1); }, 0);
  var padTop = keyTop + keyRows * line + 26, padBottom = 22 + mostLines * (font + 2) + font;
  height = height + (keyRows - 2) * line;
  var at = function (x, y) {
    return [padX + x * (width - 2 * padX), padTop + (1 - y) * (height - padTop - padBottom)];
  };
  var out = [svgOpen(width, height, font, "Relationships and each organisation's stance this round"),
    "<text x='" + pyFloat(width / 2) + "' y='" + (font + 4) + "' text-anchor='middle' font-size='" + (font + 2) +
    "' font-weight='600'>Relationships (edge width = trust) and stance</text>"];
  var slot = (width - 14) / perRow, kindSlot = (width - 14) / kindRow;
  kinds.forEach(function (k, i) {
    var x = 14 + (i % kindRow) * kindSlot, y = keyTop + Math.floor(i / kindRow) * line + font;
    out.push(shapeSvg(k[0], x, y - font * 0.35, '#ffffff', font * 0.45) +
      "<text x='" + pyFloat(x + font) + "' y='" + y + "'>" + pyEscape(k[1]) + '</text>');
  });
  var first = Math.ceil(kinds.length / kindRow);
  keyed.forEach(function (stance, i) {
    var x = 14 + (i % perRow) * slot, y = keyTop + (first + Math.floor(i / perRow)) * line + font;
    out.push("<circle cx='" + pyFloat(x) + "' cy='" + f1(y - font * 0.35) + "' r='" + f1(font * 0.4) + "' fill='" +
      colours[stance] + "'/><text x='" + pyFloat(x + font) + "' y='" + y + "'>" + words[stance] + '</text>');
  });
  d.edges.forEach(function (e) {
    var a = at(e[0], e[1]), b = at(e[2], e[3]);
    out.push("<line x1='" + f1(a[0]) + "' y1='" + f1(a[1]) + "' x2='" + f1(b[0]) + "' y2='" + f1(b[1]) +
      "' stroke='#90a4ae' stroke-width='" + f1(1 + 6 * e[4]) + "'><title>" + pyEscape(e[5]) + ': trust ' + f1(e[4]) +
      '</title></line>');
  });
  nodes.forEach(function (n, k) {
    var p = at(n[2], n[3]), x = p[0], y = p[1], stance = stances[k];
    out.push(shapeSvg(n[1], x, y, colours[stance] || '#9e9e9e', 14));
    var lines = wrapName(n[0], narrow ? 14 : 20).concat([words[stance] !== undefined ? words[stance] : stance]);
    var spans = lines.map(function (t, j) {
      return "<tspan x='" + f1(x) + "' dy='" + (j === 0 ? 0 : font + 2) + "'" +
        (j === lines.length - 1 ? " font-weight='700'" : '') + '>' + pyEscape(t) + '</tspan>';
    }).join('');
    out.push("<text x='" + f1(x) + "' y='" + f1(y + 16 + font) + "' text-anchor='middle' class='node-label' " +
      "data-stance='" + stance + "' paint-order='stroke' stroke='#fff' stroke-width='3'>" + spans + '</text>');
  });
  out.push('</svg>');
  return out.join('');
}

function offersData(frame, rows, start) {  // svg.py's offers_data
  var rounds = rows.map(function (r) { return r[0]; });
  var aims = rows.length > 0 && rows.every(function (r) { return r[2] !== null; });
  var series = [];
  frame.names.forEach(function (name, i) {
    var colour = frame.colours[i];
    series.push([name, rounds, rows.map(function (r) { return r[1][i]; }), colour, false]);
    if (aims) series.push(['', rounds, rows.map(function (r) { return r[2][i]; }), colour, true]);
  });
  if (!rows.length) {
    series = start.map(function (aim, i) { return [frame.names[i], [1], [aim], frame.colours[i], false]; });
  }
  return {series: series, hlines: [], title: 'Value of each plan (solid) and aims (dashed)', xlabel: 'round',
          ylabel: '£m a year'};
}

function fundData(frame, rows) {  // svg.py's fund_data
  var rounds = rows.map(function (r) { return r[0]; });
  var series = rows.length ? [
    ['fund total', rounds, rows.map(function (r) { return r[3]; }), '#1565c0', false],
    ['social-care protection', rounds, rows.map(function (r) { return r[4]; }), '#6a1b9a', false]] : [];
  return {series: series, hlines: [['minimum fund', frame.minimum_fund, '#1565c0'],
                                   ['social-care need', frame.need, '#6a1b9a']],
          title: 'Fund and social-care money in each plan', xlabel: 'round', ylabel: '£m per year'};
}

function boardCharts(s, width) {  // the run board's three charts from its traits (viz/run_board.py)
  if (!s.frame || !s.frame.names || !s.network || !s.network.nodes) return {offers: '', fund: '', network: ''};
  var rows = s.rows_older.concat(s.rows);
  return {offers: lineChart(offersData(s.frame, rows, s.start), width, 300, 14),
          fund: lineChart(fundData(s.frame, rows), width, 300, 14),
          network: s.stances.length === s.network.nodes.length ? networkChart(s.network, s.stances, width, 440, 14) : ''};
}
