// ferry dashboard: live updates over server-sent events, and charts.
(function () {
  "use strict";
  var colors = { value: "#0a4fa0", pass: "#116329", warning: "#7d4e00", score: "#6f3fc4" };

  function bandsPlugin(bands) {
    return {
      hooks: {
        drawClear: [function (u) {
          var ctx = u.ctx;
          ctx.save();
          ctx.fillStyle = "rgba(164, 14, 38, 0.13)";
          bands.forEach(function (b) {
            var x0 = u.valToPos(b.from, "x", true);
            var x1 = u.valToPos(b.to, "x", true);
            ctx.fillRect(x0, u.bbox.top, Math.max(x1 - x0, 3), u.bbox.height);
          });
          ctx.restore();
        }]
      }
    };
  }

  // utc shows a time of the axis as the tables do: hours, minutes,
  // seconds in UTC.
  function utc(v) { return new Date(v * 1000).toISOString().slice(11, 19); }

  function drawCharts(root) {
    var el = root.querySelector("#chart-data");
    if (!el || !window.uPlot) return;
    var charts = JSON.parse(el.textContent);
    charts.forEach(function (c) {
      var target = root.querySelector('[data-chart="' + c.id + '"]');
      if (!target) return;
      target.textContent = "";
      var xs = c.x, lo = Math.min.apply(null, xs), hi = Math.max.apply(null, xs);
      (c.bands || []).forEach(function (b) { lo = Math.min(lo, b.from); hi = Math.max(hi, b.to); });
      var pad = hi > lo ? (hi - lo) * 0.06 : 30;
      lo -= pad; hi += pad;
      var series = [{}], data = [xs];
      c.series.forEach(function (s) {
        var limit = s.kind === "pass" || s.kind === "warning";
        series.push({
          label: s.label, stroke: colors[s.kind], width: limit ? 1.5 : 2,
          dash: limit ? [6, 4] : undefined, spanGaps: limit,
          points: { show: true, size: limit ? 4 : 7 },
          value: function (u, v) { return v == null ? "–" : String(+v.toFixed(2)); }
        });
        data.push(s.values);
      });
      var width = Math.max(280, Math.min(target.clientWidth || 640, 900));
      var u = new window.uPlot({
        width: width, height: 220, series: series,
        scales: {
          x: { time: true, auto: false, range: [lo, hi] },
          y: c.series[0].kind === "score" ? { auto: false, range: [0, 105] } : {}
        },
        axes: [{ space: 70, values: function (u, splits) { return splits.map(utc); } }, {}],
        plugins: [bandsPlugin(c.bands || [])]
      }, data, target);
      target.dataset.points = String(u.data[0].length);
    });
  }

  // remember notes what a reader would lose when the content is replaced:
  // the focused link or element and the open disclosures.
  function remember(main) {
    var a = document.activeElement, focus = null;
    if (a && a !== main && main.contains(a)) {
      focus = a.id ? "#" + CSS.escape(a.id) : a.getAttribute("href") ? '[href="' + CSS.escape(a.getAttribute("href")) + '"]' : null;
    }
    var open = [];
    main.querySelectorAll("details[open]").forEach(function (d) {
      var owner = d.closest("[id]");
      if (owner) open.push(owner.id);
    });
    return { focus: focus, open: open };
  }

  function restore(main, keep) {
    keep.open.forEach(function (id) {
      var owner = document.getElementById(id);
      var d = owner && owner.querySelector("details");
      if (d) d.open = true;
    });
    var el = keep.focus && main.querySelector(keep.focus);
    if (el) el.focus();
  }

  function follow(main) {
    if (!window.EventSource || !main.dataset.live) return;
    var state = document.getElementById("live-state");
    var busy = false, again = false;
    function reload() {
      if (busy) { again = true; return; }
      busy = true;
      fetch(main.dataset.fragment, { headers: { Accept: "text/html" } })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
        .then(function (html) {
          var keep = remember(main);
          main.innerHTML = html;
          restore(main, keep);
          drawCharts(main);
          if (state) state.textContent = "Updated " + new Date().toLocaleTimeString();
          document.dispatchEvent(new CustomEvent("ferry:updated"));
        })
        .catch(function () { if (state) state.textContent = "Update failed; retrying on the next change"; })
        .finally(function () { busy = false; if (again) { again = false; reload(); } });
    }
    var es = new EventSource(main.dataset.live);
    es.addEventListener("refs", reload);
    es.addEventListener("open", function () { if (state) state.textContent = "Live"; });
    es.addEventListener("error", function () { if (state) state.textContent = "Reconnecting…"; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var main = document.getElementById("main");
    if (!main) return;
    drawCharts(main);
    follow(main);
  });
}());
