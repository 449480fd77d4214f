/* gisrev survey map: reads the JSON block #gisrev-data and draws it with Leaflet's
 * Canvas renderer. Every value from the data is shown with textContent (never
 * innerHTML), so register text cannot inject markup. */
(function () {
  "use strict";

  var t0 = performance.now();
  var D = JSON.parse(document.getElementById("gisrev-data").textContent);
  var F = D.findings;
  var state = { counts: {}, drawn: 0, ready: false, parseMs: performance.now() - t0 };
  window.gisrev = state;

  // ---------- small helpers ----------
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  var baht = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  function money(v) { return v === null || v === undefined ? "–" : baht.format(v) + " บาท"; }
  // As gisrev.load.normalise.normalise_parcel_code: Thai digits, trim, upper case, and
  // the loader's own separator class (no-break and zero-width spaces, dashes, dots).
  var separators = new RegExp(D.codeSeparators, "g");
  function normCode(s) {
    var thai = "๐๑๒๓๔๕๖๗๘๙";
    return String(s).replace(/[๐-๙]/g, function (c) {
      return String(thai.indexOf(c));
    }).trim().toUpperCase().replace(separators, "");
  }

  // Zigzag varints in base64 -> integers (see gisrev/outputs/maps/_encode.py).
  function unpack(b64) {
    var s = atob(b64), out = [], v = 0, mul = 1;
    for (var i = 0; i < s.length; i++) {
      var b = s.charCodeAt(i);
      v += (b & 127) * mul;
      if (b & 128) { mul *= 128; continue; }
      out.push(v % 2 ? -(v + 1) / 2 : v / 2);
      v = 0; mul = 1;
    }
    return out;
  }
  function unpackGeom(g) {
    if (!g || typeof g.c !== "string") return g;
    return { s: g.s, f: unpack(g.f), r: unpack(g.r), c: unpack(g.c) };
  }

  // Decode delta-encoded rings into arrays of [lat, lng] per feature.
  function decode(g, each) {
    var c = g.c, s = g.s, x = 0, y = 0, k = 0, r = 0;
    for (var fi = 0; fi < g.f.length; fi++) {
      var rings = [];
      for (var ri = 0; ri < g.f[fi]; ri++, r++) {
        var ring = new Array(g.r[r]);
        for (var p = 0; p < g.r[r]; p++) {
          x += c[k++]; y += c[k++];
          ring[p] = [y / s, x / s];
        }
        rings.push(ring);
      }
      each(fi, rings);
    }
  }

  // ---------- the map ----------
  var map = L.map("map", { preferCanvas: true, zoomControl: true, maxZoom: 20, worldCopyJump: false });
  var renderer = L.canvas({ padding: 0.3, tolerance: 4 });
  var bounds = L.latLngBounds(D.bounds[0], D.bounds[1]);
  map.fitBounds(bounds, { animate: false });

  var base = {};
  if (D.tiles.osm) {
    base.osm = L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
      maxZoom: 19, maxNativeZoom: 19, opacity: 0.6,
      attribution: "© OpenStreetMap contributors"
    });
  }
  if (D.tiles.local) {
    base.local = L.tileLayer(D.tiles.local, { maxZoom: 20, maxNativeZoom: D.tiles.localMaxZoom || 19 });
    base.local.addTo(map);
  } else if (base.osm) {
    base.osm.addTo(map);
  }

  // Faint context: one canvas for the whole layer, no Leaflet layer per ring.
  var Faint = L.Layer.extend({
    initialize: function (geoms, style) { this._g = unpackGeom(geoms); this._style = style; },
    onAdd: function (m) {
      if (!m.getPane("context")) {
        m.createPane("context");
        m.getPane("context").style.zIndex = 350;
        m.getPane("context").style.pointerEvents = "none";
      }
      this._canvas = L.DomUtil.create("canvas", "gisrev-context");
      m.getPane("context").appendChild(this._canvas);
      this._prepare();
      m.on("moveend zoomend resize viewreset", this._draw, this);
      m.on("zoomstart", this._hide, this);
      this._draw();
    },
    onRemove: function (m) {
      m.off("moveend zoomend resize viewreset", this._draw, this);
      m.off("zoomstart", this._hide, this);
      L.DomUtil.remove(this._canvas);
    },
    _prepare: function () {
      // Web Mercator "world" units in [0, 1]; pixels = world * 256 * 2^zoom.
      var g = this._g, c = g.c, n = c.length / 2, wx = new Float64Array(n), wy = new Float64Array(n);
      var x = 0, y = 0, d2r = Math.PI / 180;
      for (var i = 0; i < n; i++) {
        x += c[2 * i]; y += c[2 * i + 1];
        var lon = x / g.s, lat = y / g.s;
        wx[i] = (lon + 180) / 360;
        var s = Math.sin(lat * d2r);
        wy[i] = 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
      }
      // Per-ring bounding boxes for culling.
      var nr = g.r.length, bb = new Float64Array(nr * 4), k = 0;
      for (var r = 0; r < nr; r++) {
        var x0 = 1, y0 = 1, x1 = 0, y1 = 0;
        for (var p = 0; p < g.r[r]; p++, k++) {
          if (wx[k] < x0) x0 = wx[k]; if (wx[k] > x1) x1 = wx[k];
          if (wy[k] < y0) y0 = wy[k]; if (wy[k] > y1) y1 = wy[k];
        }
        bb[4 * r] = x0; bb[4 * r + 1] = y0; bb[4 * r + 2] = x1; bb[4 * r + 3] = y1;
      }
      this._wx = wx; this._wy = wy; this._bb = bb;
    },
    _hide: function () { this._canvas.style.visibility = "hidden"; },
    _draw: function () {
      var m = this._map, size = m.getSize(), cv = this._canvas, ratio = window.devicePixelRatio || 1;
      var topLeft = m.containerPointToLayerPoint([0, 0]);
      L.DomUtil.setPosition(cv, topLeft);
      cv.width = size.x * ratio; cv.height = size.y * ratio;
      cv.style.width = size.x + "px"; cv.style.height = size.y + "px";
      cv.style.visibility = "visible";
      var scale = 256 * Math.pow(2, m.getZoom()), org = m.getPixelOrigin();
      var ox = org.x + topLeft.x, oy = org.y + topLeft.y;
      var ctx = cv.getContext("2d");
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.strokeStyle = this._style.stroke; ctx.lineWidth = this._style.width;
      if (this._style.fill) ctx.fillStyle = this._style.fill;
      var style = this._style, batch = 0;
      // Paint in batches of 200 rings rather than one path of every ring in view (Skia
      // slows down on very long paths; bench/map.py times the whole page, not this choice).
      function flush() {
        if (style.fill) ctx.fill("evenodd");
        ctx.stroke();
        ctx.beginPath();
        batch = 0;
      }
      ctx.beginPath();
      var g = this._g, wx = this._wx, wy = this._wy, bb = this._bb, k = 0;
      var vx0 = ox / scale, vy0 = oy / scale, vx1 = (ox + size.x) / scale, vy1 = (oy + size.y) / scale;
      var minPx = 1 / scale;
      for (var r = 0; r < g.r.length; r++) {
        var len = g.r[r];
        if (bb[4 * r + 2] < vx0 || bb[4 * r] > vx1 || bb[4 * r + 3] < vy0 || bb[4 * r + 1] > vy1 ||
            (bb[4 * r + 2] - bb[4 * r] < minPx && bb[4 * r + 3] - bb[4 * r + 1] < minPx)) {
          k += len; continue;
        }
        ctx.moveTo(wx[k] * scale - ox, wy[k] * scale - oy);
        for (var p = 1; p < len; p++) ctx.lineTo(wx[k + p] * scale - ox, wy[k + p] * scale - oy);
        ctx.closePath();
        k += len;
        if (++batch === 200) flush();
      }
      flush();
    }
  });

  var context = {};
  if (D.context.parcels) context.parcels = new Faint(D.context.parcels, { stroke: "#8a8a8a", width: 0.6 }).addTo(map);
  if (D.context.buildings) context.buildings = new Faint(D.context.buildings, { stroke: "#9a8f80", fill: "rgba(150,140,125,0.25)", width: 0.5 }).addTo(map);

  // ---------- work packages on the overview: dashed outlines, numbered links ----------
  var packageLayer = null;
  if (D.packages.length) {
    packageLayer = L.featureGroup();
    D.packages.forEach(function (p) {
      // Not interactive: the outline must never take a click meant for a parcel inside it.
      var outline = L.polygon(p.hull, {
        renderer: renderer, color: "#333", weight: 1.5, dashArray: "6 4", fill: false, interactive: false
      });
      var link = el("a", "gr-pkg-link", p.n);
      link.href = p.href;
      link.title = "ชุดงาน / Package " + p.n + " · " + p.count + " แปลง / parcels";
      outline.bindTooltip(link, {
        permanent: true, direction: "center", className: "gr-pkg-tip", interactive: true
      });
      packageLayer.addLayer(outline);
    });
    // Many labels would hide the town: with lots of packages the layer starts switched off.
    if (D.packages.length <= 60) packageLayer.addTo(map);
    state.packages = D.packages.length;
  }

  // ---------- findings: one layer per code ----------
  var codes = D.codes, n = F.code.length, strings = F.strings;
  var groups = {}, shapes = new Array(n), featureBounds = new Array(n);
  codes.forEach(function (code) { groups[code] = L.featureGroup(); state.counts[code] = 0; });
  var norm = F.code.map(normCode);

  decode(unpackGeom(F.geom), function (i, rings) {
    if (!rings.length) return;
    var mask = F.flags[i], first = null;
    // Draw order: later codes first, so the first code of a parcel ends on top.
    for (var ci = codes.length - 1; ci >= 0; ci--) {
      if (!(mask & (1 << D.codeBits[codes[ci]]))) continue;
      var col = D.colors[codes[ci]];
      var poly = L.polygon(rings, {
        renderer: renderer, color: col, weight: 2, fillColor: col, fillOpacity: 0.35
      });
      poly.fid = i;
      groups[codes[ci]].addLayer(poly);
      state.counts[codes[ci]]++;
      first = poly;
    }
    shapes[i] = first;
    featureBounds[i] = L.latLngBounds(rings[0]);
    state.drawn++;
  });
  for (var ci = codes.length - 1; ci >= 0; ci--) groups[codes[ci]].addTo(map);
  // For tests and for the curious: what was drawn, where.
  state.map = map;
  state.parcelCodes = F.code;
  state.bounds = featureBounds;
  state.lat = F.lat.map(function (v) { return v / 1e6; });
  state.lon = F.lon.map(function (v) { return v / 1e6; });

  function labelOf(code) { return D.labels[code] || [code, code]; }

  function popupContent(i) {
    var box = el("div", "gr-popup");
    box.appendChild(el("div", "gr-code", F.code[i]));
    var chips = el("div", "gr-chips");
    codes.forEach(function (code) {
      if (F.flags[i] & (1 << D.codeBits[code])) {
        var chip = el("span", "gr-chip", labelOf(code)[0] + " · " + labelOf(code)[1]);
        chip.style.borderColor = D.colors[code];
        chips.appendChild(chip);
      }
    });
    box.appendChild(chips);
    if (F.order) box.appendChild(el("div", "gr-order", "ลำดับ / Stop " + F.order[i]));
    box.appendChild(el("div", "gr-reason gr-th", strings[F.rth[i]]));
    box.appendChild(el("div", "gr-reason gr-en", strings[F.ren[i]]));
    var tbl = el("table", "gr-money");
    [["ส่วนต่าง / Gap", F.gap[i], "gr-gap"], ["ภาษีที่ควรได้ / Expected", F.exp[i]],
     ["ประเมิน / Assessed", F.ass[i]], ["ชำระ / Paid", F.paid[i]]].forEach(function (row) {
      var tr = el("tr", row[2]);
      tr.appendChild(el("th", null, row[0]));
      tr.appendChild(el("td", null, money(row[1])));
      tbl.appendChild(tr);
    });
    box.appendChild(tbl);
    if (F.deed[i]) box.appendChild(el("div", "gr-deed", "โฉนด / Deed: " + strings[F.deed[i]]));
    if (F.owner) box.appendChild(el("div", "gr-owner", "เจ้าของ / Owner: " + strings[F.owner[i]]));
    var lat = (F.lat[i] / 1e6).toFixed(6), lon = (F.lon[i] / 1e6).toFixed(6);
    var nav = el("div", "gr-nav");
    var a = el("a", "gr-navigate", "นำทาง / Navigate");
    a.href = "https://www.google.com/maps/dir/?api=1&destination=" + lat + "," + lon;
    a.target = "_blank"; a.rel = "noopener";
    var geo = el("a", "gr-geo", "geo:" + lat + "," + lon);
    geo.href = "geo:" + lat + "," + lon;
    nav.appendChild(a); nav.appendChild(document.createTextNode(" · ")); nav.appendChild(geo);
    box.appendChild(nav);
    return box;
  }

  function tooltipContent(layer) {
    var i = layer.fid, box = el("div", "gr-tip");
    box.appendChild(el("b", null, (F.order ? F.order[i] + ". " : "") + F.code[i]));
    box.appendChild(el("div", null, strings[F.rth[i]]));
    box.appendChild(el("div", null, money(F.gap[i])));
    return box;
  }

  var measuring = false;
  codes.forEach(function (code) {
    groups[code].bindTooltip(tooltipContent, { sticky: true, direction: "top" });
    groups[code].on("click", function (e) {
      if (measuring) return;
      openFinding(e.layer.fid, e.latlng);
    });
  });
  // On a phone keep the popup below the stacked controls on the left.
  var narrow = window.innerWidth < 600;
  var popup = L.popup({
    maxWidth: narrow ? 280 : 320, autoPanPadding: [10, 10],
    autoPanPaddingTopLeft: L.point(10, narrow ? 230 : 10)
  });
  function openFinding(i, latlng) {
    popup.setLatLng(latlng || featureBounds[i].getCenter()).setContent(popupContent(i)).openOn(map);
    state.opened = F.code[i];
  }

  // ---------- package: numbered stops and the route ----------
  if (F.order) {
    var stops = [];
    for (var i = 0; i < n; i++) stops.push(i);
    stops.sort(function (a, b) { return F.order[a] - F.order[b]; });
    var route = stops.map(function (i) { return [F.lat[i] / 1e6, F.lon[i] / 1e6]; });
    L.polyline(route, { renderer: renderer, color: "#333", weight: 2, dashArray: "4 6", interactive: false }).addTo(map);
    stops.forEach(function (i) {
      var label = el("div", "gr-stop", F.order[i]);
      L.marker([F.lat[i] / 1e6, F.lon[i] / 1e6], {
        icon: L.divIcon({ html: label, className: "gr-stop-icon", iconSize: [18, 18] }),
        keyboard: false
      }).on("click", function () { if (!measuring) openFinding(i); }).addTo(map);
    });
  }

  // ---------- controls ----------
  function control(position, build) {
    var C = L.Control.extend({ onAdd: function () {
      var div = L.DomUtil.create("div", "leaflet-bar gr-control");
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      build(div);
      return div;
    } });
    return new C({ position: position }).addTo(map);
  }
  var NS = "http://www.w3.org/2000/svg";
  function icon(d) {
    var svg = document.createElementNS(NS, "svg"), path = document.createElementNS(NS, "path");
    svg.setAttribute("viewBox", "0 0 24 24"); svg.setAttribute("width", "20"); svg.setAttribute("height", "20");
    path.setAttribute("d", d); path.setAttribute("fill", "none"); path.setAttribute("stroke", "currentColor");
    path.setAttribute("stroke-width", "2"); path.setAttribute("stroke-linecap", "round");
    svg.appendChild(path);
    return svg;
  }
  var ICONS = {
    locate: "M12 2v4M12 18v4M2 12h4M18 12h4M12 8a4 4 0 1 0 0.01 0M12 5a7 7 0 1 0 0.01 0",
    measure: "M3 17L17 3l4 4L7 21zM7 13l2 2M10 10l2 2M13 7l2 2",
    fullscreen: "M4 9V4h5M15 4h5v5M20 15v5h-5M9 20H4v-5"
  };
  function button(parent, iconName, title, onClick) {
    var b = el("a", "gr-button");
    b.appendChild(icon(ICONS[iconName]));
    b.href = "#"; b.title = title; b.setAttribute("role", "button");
    L.DomEvent.on(b, "click", function (e) { L.DomEvent.preventDefault(e); onClick(b); });
    parent.appendChild(b);
    return b;
  }

  // Search by parcel code.
  var highlight = null;
  control("topleft", function (div) {
    div.className += " gr-search";
    var input = el("input");
    input.type = "search"; input.placeholder = "รหัสแปลง / parcel code"; input.id = "gr-search";
    var msg = el("div", "gr-search-msg");
    div.appendChild(input); div.appendChild(msg);
    input.addEventListener("keydown", function (e) {
      if (e.key !== "Enter") return;
      var q = normCode(input.value), hit = -1;
      if (!q) return;
      hit = norm.indexOf(q);
      if (hit < 0) for (var i = 0; i < n; i++) if (norm[i].indexOf(q) >= 0 && shapes[i]) { hit = i; break; }
      if (hit < 0 || !shapes[hit]) { msg.textContent = "ไม่พบ / not found: " + input.value; state.found = null; return; }
      msg.textContent = "";
      if (highlight) map.removeLayer(highlight);
      highlight = L.polygon(shapes[hit].getLatLngs(), {
        renderer: renderer, color: "#ff00ff", weight: 5, fill: false, interactive: false
      }).addTo(map);
      map.fitBounds(featureBounds[hit], { maxZoom: 19, animate: false });
      openFinding(hit);
      state.found = F.code[hit];
    });
  });

  // Locate me (GPS), measure, fullscreen.
  var here = null;
  control("topleft", function (div) {
    var status = el("div", "gr-status");
    button(div, "locate", "ตำแหน่งของฉัน / Locate me", function () {
      map.locate({ setView: true, maxZoom: 18, enableHighAccuracy: true, watch: true });
    });
    map.on("locationfound", function (e) {
      if (here) map.removeLayer(here);
      here = L.layerGroup([
        L.circle(e.latlng, { radius: e.accuracy, renderer: renderer, color: "#0072B2", weight: 1, fillOpacity: 0.1, interactive: false }),
        L.circleMarker(e.latlng, { radius: 7, renderer: renderer, color: "#fff", weight: 2, fillColor: "#0072B2", fillOpacity: 1, interactive: false })
      ]).addTo(map);
      status.textContent = "";
    });
    map.on("locationerror", function (e) { status.textContent = "GPS: " + e.message; });

    var line = null, points = [], total = el("div", "gr-measure-total");
    button(div, "measure", "วัดระยะ / Measure distance", function (b) {
      measuring = !measuring;
      b.classList.toggle("gr-on", measuring);
      points = [];
      if (line) { map.removeLayer(line); line = null; }
      total.textContent = measuring ? "0 m" : "";
      map.getContainer().classList.toggle("gr-measuring", measuring);
    });
    map.on("click", function (e) {
      if (!measuring) return;
      points.push(e.latlng);
      if (!line) line = L.polyline([], { renderer: renderer, color: "#D55E00", weight: 3, interactive: false }).addTo(map);
      line.setLatLngs(points);
      var d = 0;
      for (var i = 1; i < points.length; i++) d += map.distance(points[i - 1], points[i]);
      total.textContent = d < 1000 ? d.toFixed(0) + " m" : (d / 1000).toFixed(2) + " km";
    });

    button(div, "fullscreen", "เต็มจอ / Fullscreen", function () {
      var c = document.documentElement;
      if (document.fullscreenElement) document.exitFullscreen();
      else if (c.requestFullscreen) c.requestFullscreen().catch(function () { document.body.classList.toggle("gr-full"); });
      else document.body.classList.toggle("gr-full");
    });
    div.appendChild(total); div.appendChild(status);
  });
  document.addEventListener("fullscreenchange", function () { map.invalidateSize(); });

  // Legend: colours, counts, and switches for every layer.
  control("topright", function (div) {
    div.className += " gr-legend";
    var head = el("div", "gr-legend-title", D.meta.title);
    head.setAttribute("role", "button");
    head.title = "แสดง/ซ่อน / show or hide";
    div.appendChild(head);
    var list = el("div", "gr-legend-list");
    // Collapsed on a phone: the map matters more than the legend.
    if (window.innerWidth < 600) div.classList.add("gr-collapsed");
    head.addEventListener("click", function () { div.classList.toggle("gr-collapsed"); });
    function row(label, count, color, layer, on) {
      var lab = el("label", "gr-legend-row");
      var cb = el("input"); cb.type = "checkbox"; cb.checked = on;
      cb.addEventListener("change", function () { cb.checked ? layer.addTo(map) : map.removeLayer(layer); });
      lab.appendChild(cb);
      var sw = el("span", "gr-swatch"); sw.style.background = color; lab.appendChild(sw);
      lab.appendChild(el("span", "gr-legend-label", label));
      if (count !== null) lab.appendChild(el("span", "gr-count", count));
      list.appendChild(lab);
      return lab;
    }
    codes.forEach(function (code) {
      var r = row(labelOf(code)[0] + " / " + labelOf(code)[1], state.counts[code], D.colors[code], groups[code], true);
      r.setAttribute("data-code", code);
    });
    if (context.parcels) row("แปลงอื่น / other parcels", null, "#bbb", context.parcels, true);
    if (context.buildings) row("อาคาร / buildings", null, "#c9bfae", context.buildings, true);
    if (packageLayer) {
      row("ชุดงาน / work packages", D.packages.length, "transparent", packageLayer,
          map.hasLayer(packageLayer)).setAttribute("data-layer", "packages");
    }
    if (base.local) row("ภาพพื้นหลัง / local tiles", null, "#777", base.local, true);
    if (base.osm) row("OpenStreetMap (online)", null, "#aad3df", base.osm, !base.local);
    div.appendChild(list);
    if (D.meta.orphans) div.appendChild(el("div", "gr-orphans", D.meta.orphans));
  });
  L.control.scale({ imperial: false }).addTo(map);

  // Ready once the browser has painted the first frame with everything on it.
  requestAnimationFrame(function () {
    requestAnimationFrame(function () {
      state.ready = true;
      state.renderMs = performance.now() - t0;
    });
  });
})();
