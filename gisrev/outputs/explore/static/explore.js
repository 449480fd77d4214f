/* gisrev explore: the planners' notebook map (gisrev.explore). Draws appraisal zones,
 * flagged parcels and faint context on a Leaflet map made by folium, from a JSON block
 * written by gisrev/outputs/explore. Every value from the data is shown with textContent,
 * never innerHTML, so register text cannot inject markup. The decoding of the compact
 * geometry is the survey map's (gisrev/outputs/maps/static/gisrev-map.js); that file draws
 * a whole page of its own, so the few helpers are repeated here. */
(function () {
  "use strict";

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  // Leaflet's layer control writes names with innerHTML: give it escaped text only.
  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  var baht = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  var whole = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  function money(v) { return v === null || v === undefined ? "–" : baht.format(v) + " บาท"; }

  // Zigzag varints in base64 -> integers (gisrev/outputs/maps/_encode.py).
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
  function unpackGeom(g) { return { s: g.s, f: unpack(g.f), r: unpack(g.r), c: unpack(g.c) }; }
  // Delta-encoded rings -> [lat, lng] arrays, one call per feature.
  function decode(g, each) {
    var c = g.c, s = g.s, x = 0, y = 0, k = 0, r = 0;
    for (var fi = 0; fi < g.f.length; fi++) {
      var rings = [];
      for (var ri = 0; ri < g.f[fi]; ri++, r++) {
        var ring = new Array(g.r[r]);
        for (var p = 0; p < g.r[r]; p++) { x += c[k++]; y += c[k++]; ring[p] = [y / s, x / s]; }
        rings.push(ring);
      }
      each(fi, rings);
    }
  }

  // Faint context on one canvas (no Leaflet layer per ring), drawn from minZoom on.
  var Faint = L.Layer.extend({
    initialize: function (geoms, style, minZoom) {
      this._g = unpackGeom(geoms); this._style = style; this._minZoom = minZoom;
      this.features = this._g.f.length; this.drawn = 0;
    },
    onAdd: function (m) {
      if (!m.getPane("gisrevContext")) {
        var pane = m.createPane("gisrevContext");
        pane.style.zIndex = 450; pane.style.pointerEvents = "none";
      }
      this._canvas = L.DomUtil.create("canvas", "gisrev-context");
      m.getPane("gisrevContext").appendChild(this._canvas);
      this._prepare();
      m.on("moveend zoomend resize viewreset", this._draw, this);
      m.on("zoomstart", this._hide, this);
      this._draw();
    },
    onRemove: function (m) {
      m.off("moveend zoomend resize viewreset", this._draw, this);
      m.off("zoomstart", this._hide, this);
      L.DomUtil.remove(this._canvas);
      this.drawn = 0;
    },
    _prepare: function () {
      // Web Mercator world units in [0, 1]; pixels = world * 256 * 2^zoom.
      var g = this._g, c = g.c, n = c.length / 2, wx = new Float64Array(n), wy = new Float64Array(n);
      var x = 0, y = 0, d2r = Math.PI / 180;
      for (var i = 0; i < n; i++) {
        x += c[2 * i]; y += c[2 * i + 1];
        wx[i] = (x / g.s + 180) / 360;
        var s = Math.sin(y / g.s * d2r);
        wy[i] = 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
      }
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
      this.drawn = 0;
      if (m.getZoom() < this._minZoom) return;
      var scale = 256 * Math.pow(2, m.getZoom()), org = m.getPixelOrigin();
      var ox = org.x + topLeft.x, oy = org.y + topLeft.y;
      var ctx = cv.getContext("2d"), style = this._style, batch = 0;
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.strokeStyle = style.stroke; ctx.lineWidth = style.width;
      if (style.fill) ctx.fillStyle = style.fill;
      function flush() {
        if (style.fill) ctx.fill("evenodd");
        ctx.stroke(); ctx.beginPath(); batch = 0;
      }
      ctx.beginPath();
      var g = this._g, wx = this._wx, wy = this._wy, bb = this._bb, k = 0;
      var vx0 = ox / scale, vy0 = oy / scale, vx1 = (ox + size.x) / scale, vy1 = (oy + size.y) / scale;
      for (var r = 0; r < g.r.length; r++) {
        var len = g.r[r];
        if (bb[4 * r + 2] < vx0 || bb[4 * r] > vx1 || bb[4 * r + 3] < vy0 || bb[4 * r + 1] > vy1) {
          k += len; continue;
        }
        ctx.moveTo(wx[k] * scale - ox, wy[k] * scale - oy);
        for (var p = 1; p < len; p++) ctx.lineTo(wx[k + p] * scale - ox, wy[k + p] * scale - oy);
        ctx.closePath();
        k += len; this.drawn++;
        if (++batch === 200) flush();
      }
      flush();
    }
  });

  function explore(map, D) {
    var t0 = performance.now();
    var state = { ready: false, map: map, counts: { byCode: {} } };
    explore.maps.push(state);
    var box = map.getContainer();
    box.classList.add("gisrev-explore");
    var renderer = L.canvas({ padding: 0.3, tolerance: 3 });
    var Z = D.zones, P = D.parcels, strings = P.strings, codes = D.codes;
    var popup = L.popup({ maxWidth: 340, autoPanPadding: [10, 10] });
    var legendBox = null;
    // Pan a popup clear of the legend in the lower right corner before opening it.
    function show(latlng, content) {
      var width = legendBox && !legendBox.classList.contains("gx-collapsed") ? legendBox.offsetWidth : 0;
      popup.options.autoPanPaddingBottomRight = L.point(width + 20, 10);
      popup.setLatLng(latlng).setContent(content).openOn(map);
    }
    function label(code) { return D.labels[code] || [code, code]; }
    function useLabel(use) { return D.useLabels[use] || [use, use]; }
    function moneyTable(rows) {
      var tbl = el("table", "gx-money");
      rows.forEach(function (row) {
        var tr = el("tr", row[2]);
        tr.appendChild(el("th", null, row[0]));
        tr.appendChild(el("td", null, row[1]));
        tbl.appendChild(tr);
      });
      return tbl;
    }

    // ---------- zones, coloured by class ----------
    var zoneLayer = L.featureGroup(), zoneValue = Z.value === "gap" ? Z.gap : Z.exp;
    function zoneColor(v) {
      for (var i = 0; i < Z.breaks.length; i++) if (v <= Z.breaks[i]) return Z.ramp[i];
      return Z.ramp[Z.ramp.length - 1];
    }
    function zoneName(i) { return [Z.code[i] || "–", Z.name[i]].filter(Boolean).join(" · "); }
    function zonePopup(i) {
      var div = el("div", "gx-popup");
      div.appendChild(el("div", "gx-title", "เขต / Zone " + zoneName(i)));
      if (Z.price[i] !== null) {
        div.appendChild(el("div", null, "ราคาประเมิน / appraised " + whole.format(Z.price[i]) + " บาท/ตร.ว."));
      }
      div.appendChild(el("div", null, "แปลง / parcels " + whole.format(Z.parcels[i]) +
        " · ข้อพบ / flagged " + whole.format(Z.flagged[i])));
      div.appendChild(moneyTable([
        ["ภาษีที่ควรได้ / Expected", money(Z.exp[i])],
        ["ประเมิน / Assessed", money(Z.ass[i])],
        ["ชำระ / Paid", money(Z.paid[i])],
        ["ส่วนต่าง / Gap", money(Z.gap[i]), "gx-gap"],
        ["ส่วนต่างที่พบ / Gap flagged", money(Z.fgap[i])]
      ]));
      return div;
    }
    decode(unpackGeom(Z.geom), function (i, rings) {
      if (!rings.length) return;
      var poly = L.polygon(rings, {
        renderer: renderer, color: "#4a4a4a", weight: 1, fillColor: zoneColor(zoneValue[i]),
        fillOpacity: 0.55
      });
      poly.zi = i;
      zoneLayer.addLayer(poly);
    });
    zoneLayer.bindTooltip(function (layer) {
      var tip = el("div", "gx-tip");
      tip.appendChild(el("b", null, zoneName(layer.zi)));
      tip.appendChild(el("div", null, (Z.value === "gap" ? "ส่วนต่าง / gap " : "ภาษีที่ควรได้ / expected ") +
        money(zoneValue[layer.zi])));
      return tip;
    }, { sticky: true });
    zoneLayer.on("click", function (e) {
      show(e.latlng, zonePopup(e.layer.zi));
      state.opened = "zone:" + Z.code[e.layer.zi];
    });
    zoneLayer.addTo(map);
    state.counts.zones = zoneLayer.getLayers().length;

    // ---------- flagged parcels, one layer per first finding code ----------
    var groups = {}, where = {};
    codes.forEach(function (code) { groups[code] = L.featureGroup(); state.counts.byCode[code] = 0; });
    function firstCode(mask) {
      for (var c = 0; c < codes.length; c++) if (mask & (1 << P.codeBits[codes[c]])) return codes[c];
      return null;
    }
    function parcelPopup(i) {
      var div = el("div", "gx-popup");
      div.appendChild(el("div", "gx-title", P.code[i]));
      var chips = el("div", "gx-chips");
      codes.forEach(function (code) {
        if (!(P.flags[i] & (1 << P.codeBits[code]))) return;
        var chip = el("span", "gx-chip", label(code)[0] + " · " + label(code)[1]);
        chip.style.borderColor = D.colors[code];
        chips.appendChild(chip);
      });
      div.appendChild(chips);
      div.appendChild(el("div", "gx-reason gx-th", strings[P.rth[i]]));
      div.appendChild(el("div", "gx-reason gx-en", strings[P.ren[i]]));
      div.appendChild(moneyTable([
        ["ภาษีที่ควรได้ / Expected", money(P.exp[i])],
        ["ประเมิน / Assessed", money(P.ass[i])],
        ["ชำระ / Paid", money(P.paid[i])],
        ["ส่วนต่าง / Gap", money(P.gap[i]), "gx-gap"]
      ]));
      var use = strings[P.use[i]], zone = strings[P.zone[i]];
      if (use) div.appendChild(el("div", "gx-use", "การใช้ / use: " + useLabel(use)[0] + " · " + useLabel(use)[1]));
      if (zone) div.appendChild(el("div", "gx-zone", "เขต / zone " + zone));
      if (P.owner) div.appendChild(el("div", "gx-owner", "เจ้าของ / Owner: " + strings[P.owner[i]]));
      return div;
    }
    function openParcel(i, latlng) {
      show(latlng || where[i].getCenter(), parcelPopup(i));
      state.opened = P.code[i];
    }
    var nParcels = 0;
    decode(unpackGeom(P.geom), function (i, rings) {
      var code = firstCode(P.flags[i]);
      if (!rings.length || !code) return;
      var col = D.colors[code];
      var poly = L.polygon(rings, {
        renderer: renderer, color: col, weight: 2, fillColor: col, fillOpacity: 0.6
      });
      poly.pi = i;
      groups[code].addLayer(poly);
      where[i] = L.latLngBounds(rings[0]);
      state.counts.byCode[code]++;
      nParcels++;
    });
    state.counts.parcels = nParcels;
    codes.forEach(function (code) {
      groups[code].bindTooltip(function (layer) {
        var i = layer.pi, tip = el("div", "gx-tip");
        tip.appendChild(el("b", null, P.code[i]));
        tip.appendChild(el("div", null, label(code)[0] + " / " + label(code)[1]));
        tip.appendChild(el("div", null, "ส่วนต่าง / gap " + money(P.gap[i])));
        return tip;
      }, { sticky: true });
      groups[code].on("click", function (e) { openParcel(e.layer.pi, e.latlng); });
      if (state.counts.byCode[code]) groups[code].addTo(map);
    });
    // Zones switched on again would be drawn (and clicked) above the parcels: keep them below.
    map.on("overlayadd", function (e) {
      if (e.layer !== zoneLayer) return;
      codes.forEach(function (code) { if (map.hasLayer(groups[code])) groups[code].bringToFront(); });
    });

    // ---------- context ----------
    var context = {};
    if (D.context.parcels) {
      context.parcels = new Faint(D.context.parcels, { stroke: "#7a7a7a", width: 0.6 }, D.meta.contextMinZoom).addTo(map);
    }
    if (D.context.buildings) {
      context.buildings = new Faint(D.context.buildings, { stroke: "#8d8170", fill: "rgba(150,140,125,0.3)", width: 0.5 }, D.meta.contextMinZoom).addTo(map);
    }
    state.context = context;

    // ---------- layer control ----------
    var base = {};
    if (D.meta.onlineTiles) {
      base[escapeHtml("OpenStreetMap (ออนไลน์ / online)")] = L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
        maxZoom: 19, opacity: 0.7, attribution: "© OpenStreetMap contributors"
      });
    }
    var overlays = {};
    overlays[escapeHtml("เขตราคาประเมิน / Appraisal zones (" + state.counts.zones + ")")] = zoneLayer;
    codes.forEach(function (code) {
      if (!state.counts.byCode[code]) return;
      var name = "<span class='gx-swatch' style='background:" + escapeHtml(D.colors[code]) + "'></span>" +
        escapeHtml(label(code)[0] + " / " + label(code)[1] + " (" + state.counts.byCode[code] + ")");
      overlays[name] = groups[code];
    });
    if (context.parcels) overlays[escapeHtml("แปลงอื่น / other parcels (ซูมใกล้ / zoom in)")] = context.parcels;
    if (context.buildings) overlays[escapeHtml("อาคาร / buildings (ซูมใกล้ / zoom in)")] = context.buildings;
    // Collapsed to an icon: the legend shows the colours, and a notebook map is small.
    L.control.layers(base, overlays, { collapsed: true, position: "topright" }).addTo(map);

    // ---------- legend ----------
    var Legend = L.Control.extend({ onAdd: function () {
      var div = L.DomUtil.create("div", "gx-legend");
      legendBox = div;
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      var head = el("div", "gx-legend-title", D.meta.title);
      head.setAttribute("role", "button");
      head.title = "แสดง/ซ่อน / show or hide";
      head.addEventListener("click", function () { div.classList.toggle("gx-collapsed"); });
      div.appendChild(head);
      div.appendChild(el("div", "gx-legend-sub", Z.value === "gap"
        ? "เขต: ส่วนต่าง (บาท) / zones: gap (baht)" : "เขต: ภาษีที่ควรได้ (บาท) / zones: expected tax (baht)"));
      var lower = 0;
      Z.breaks.forEach(function (upper, i) {
        var row = el("div", "gx-legend-row");
        var sw = el("span", "gx-swatch"); sw.style.background = Z.ramp[i];
        row.appendChild(sw);
        row.appendChild(el("span", null, whole.format(lower) + " – " + whole.format(upper)));
        div.appendChild(row);
        lower = upper;
      });
      div.appendChild(el("div", "gx-legend-sub", "แปลงที่พบ / flagged parcels"));
      codes.forEach(function (code) {
        if (!state.counts.byCode[code]) return;
        var row = el("div", "gx-legend-row");
        row.setAttribute("data-code", code);
        var sw = el("span", "gx-swatch"); sw.style.background = D.colors[code];
        row.appendChild(sw);
        row.appendChild(el("span", null, label(code)[0] + " / " + label(code)[1] + " · " + state.counts.byCode[code]));
        div.appendChild(row);
      });
      D.meta.notes.forEach(function (note) { div.appendChild(el("div", "gx-note", note)); });
      return div;
    } });
    new Legend({ position: "bottomright" }).addTo(map);

    map.fitBounds(L.latLngBounds(D.bounds[0], D.bounds[1]), { animate: false });

    // For tests and the curious: what was drawn, and a way to open a parcel's popup.
    box.setAttribute("data-gisrev-zones", state.counts.zones);
    box.setAttribute("data-gisrev-parcels", nParcels);
    box.setAttribute("data-gisrev-context-parcels", context.parcels ? context.parcels.features : 0);
    box.setAttribute("data-gisrev-context-buildings", context.buildings ? context.buildings.features : 0);
    state.codes = P.code;
    state.openParcel = function (code) {
      var i = P.code.indexOf(code);
      if (i < 0 || !where[i]) return false;
      openParcel(i);
      return true;
    };
    state.centre = function (code) {
      var i = P.code.indexOf(code);
      return i < 0 || !where[i] ? null : where[i].getCenter();
    };
    requestAnimationFrame(function () {
      requestAnimationFrame(function () {
        state.ready = true;
        state.renderMs = performance.now() - t0;
        box.setAttribute("data-gisrev-ready", "1");
      });
    });
    return state;
  }
  explore.maps = [];
  window.gisrevExplore = explore;
})();
