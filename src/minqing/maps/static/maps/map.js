/* 民情地图: one area's child regions drawn from the district's own GeoJSON (no tiles), coloured
   by the chosen measure, with the point layers 人 事 地 物 组织 on top. Data come from the
   server, aggregated and scoped (/map/data/); nothing is fetched from anywhere else.
   Clicking a region drills down, a household opens its page, a grid count opens its grid. */
(function () {
  "use strict";
  var holder = document.getElementById("map-chart");
  var configElement = document.getElementById("map-config");
  if (!holder || !configElement || !window.echarts) {
    return;
  }
  var config = JSON.parse(configElement.textContent);
  var encode = echarts.format.encodeHTML;
  var fontFamily = getComputedStyle(document.body).fontFamily;
  var measureSelect = document.getElementById("map-measure");
  var typeSelect = document.getElementById("map-type");
  var categorySelect = document.getElementById("map-category");
  var layerBoxes = Array.prototype.slice.call(document.querySelectorAll("input[name=layer]"));
  var chart = echarts.init(holder, null, { renderer: "canvas" });
  // boundaries[area code] = the map name registered for it: a filter or layer change on the
  // same area asks for the figures only (boundaries=0), the boundaries are kept from before
  var state = { area: config.area, data: null, request: 0, boundaries: {} };

  var LAYER_STYLE = {
    people: { name: "人 · 台账家庭", color: "#1f5fa8", symbol: "circle", size: 10 },
    events: { name: "事 · 未办结问题", color: "#d50000", symbol: "triangle", size: 10 },
    // counts only (a work order has no coordinates): smaller, fainter and under the ledger's
    // points, which they would otherwise hide at district level (a count in nearly every grid)
    hotline: { name: "事 · 12345工单", color: "#7a4fb5", symbol: "roundRect", size: 9,
               countSize: [9, 18], opacity: 0.5, z: 4 },
    places: { name: "地 · 场所", color: "#2e7d32", symbol: "rect", size: 7 },
    things: { name: "物 · 设施", color: "#455a64", symbol: "diamond", size: 7 },
    organizations: { name: "组织", color: "#6d4c41", symbol: "pin", size: 14 }
  };
  // 重大疑难 red-black, 政策保障 blue, 一般生活 teal: all readable on the orange scale
  var CATEGORY_COLOR = { major: "#7f0000", policy: "#1f5fa8", general: "#00796b" };

  function measureLabel(key) {
    var found = config.measures.filter(function (m) { return m.key === key; })[0];
    return found ? found.label : key;
  }

  function regionByCode(code) {
    return (state.data.regions.filter(function (r) { return r.code === code; })[0]) || null;
  }

  function query() {
    var layers = layerBoxes.filter(function (box) { return box.checked; })
      .map(function (box) { return box.value; });
    var params = new URLSearchParams({ area: state.area, layers: layers.join(",") });
    if (typeSelect.value) { params.set("type", typeSelect.value); }
    if (categorySelect.value) { params.set("category", categorySelect.value); }
    if (state.boundaries[state.area]) { params.set("boundaries", "0"); }
    return config.dataUrl + "?" + params.toString();
  }

  function load(code) {
    if (code) { state.area = code; }
    var ticket = ++state.request;
    holder.dataset.ready = "0";
    chart.showLoading({ text: "加载中…", color: "#b22222", textColor: "#444" });
    fetch(query(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (data) {
        if (ticket !== state.request) { return; }
        if (data.geojson) {
          echarts.registerMap(data.mapName, data.geojson);
          state.boundaries[data.area.code] = data.mapName;
        }
        state.data = data;
        document.getElementById("map-error").hidden = true;
        chart.hideLoading();
        draw();
        header();
      })
      .catch(function () {
        chart.hideLoading();
        document.getElementById("map-error").hidden = false;
      });
  }

  function header() {
    var data = state.data;
    document.getElementById("map-title").textContent = data.area.name + " · 民情地图";
    document.getElementById("map-level").textContent = data.area.levelLabel;
    var totals = data.totals;
    document.getElementById("map-summary").textContent =
      "台账家庭 " + totals.households + " 户 · 未办结问题 " + totals.problems +
      " 件 · 超期措施 " + totals.overdue + " 项";
    var nav = document.getElementById("map-breadcrumb");
    nav.textContent = "";
    data.breadcrumb.forEach(function (step, i) {
      if (i > 0) {
        var sep = document.createElement("span");
        sep.setAttribute("aria-hidden", "true");
        sep.textContent = "›";
        nav.appendChild(sep);
      }
      if (i < data.breadcrumb.length - 1) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = step.name;
        button.addEventListener("click", function () { load(step.code); });
        nav.appendChild(button);
      } else {
        var here = document.createElement("span");
        here.setAttribute("aria-current", "page");
        here.textContent = step.name;
        nav.appendChild(here);
      }
    });
  }

  function countSeries(key, style, counts) {
    var max = Math.max.apply(null, [1].concat(counts.map(function (c) { return c.count; })));
    return {
      name: style.name,
      type: "scatter",
      coordinateSystem: "geo",
      symbol: "circle",
      symbolSize: function (value, params) {
        var size = style.countSize || [14, 26];
        return size[0] + size[1] * Math.sqrt(params.data.count / max);
      },
      itemStyle: { color: style.color, opacity: style.opacity || 0.78, borderColor: "#fff",
                   borderWidth: 1 },
      label: { show: true, formatter: function (p) { return p.data.count; }, color: "#fff",
               fontSize: 11, fontFamily: fontFamily },
      labelLayout: { hideOverlap: true },
      data: counts.map(function (c) {
        return { name: c.name, value: c.value, count: c.count, code: c.code, layer: key,
                 clustered: true };
      }),
      z: style.z || 5
    };
  }

  function pointSeries(key, style, points) {
    return {
      name: style.name,
      type: "scatter",
      coordinateSystem: "geo",
      symbol: style.symbol,
      symbolSize: style.size,
      large: points.length > 1000,
      itemStyle: { color: style.color, borderColor: "#fff", borderWidth: 1 },
      data: points.map(function (p) {
        var item = Object.assign({ layer: key }, p, { name: p.name || p.kindLabel || "" });
        if (key === "people" && CATEGORY_COLOR[p.category]) {
          item.itemStyle = { color: CATEGORY_COLOR[p.category] };
        }
        return item;
      }),
      z: 6
    };
  }

  function tooltip(params) {
    var d = params.data || {};
    if (params.seriesType === "map") {
      var region = regionByCode(params.name);
      if (!region) { return ""; }
      var f = region.figures;
      return "<b>" + encode(region.name) + "</b><br>" +
        encode(measureLabel(measureSelect.value)) + ": " + (f[measureSelect.value] || 0) + "<br>" +
        "台账家庭: " + f.households + " 户<br>未办结问题: " + f.problems + " 件<br>" +
        "超期措施: " + f.overdue + " 项<br>12345工单: " + f.hotline + " 件";
    }
    if (d.clustered) {
      return encode(params.seriesName) + "<br>" + encode(d.name) + ": " + d.count +
        "<br><small>点击查看该网格</small>";
    }
    if (d.layer === "people" || d.layer === "events") {
      var lines = [encode(params.seriesName)];
      if (d.name) { lines.push(encode(d.name)); }
      if (d.title) { lines.push(encode(d.title)); }
      if (d.category) { lines.push(encode(config.categories[d.category] || d.category)); }
      lines.push("<small>点击打开家庭页面</small>");
      return lines.join("<br>");
    }
    return encode(d.kindLabel || params.seriesName) + "<br>" + encode(d.name || "");
  }

  function draw() {
    var data = state.data;
    var measure = measureSelect.value;
    var values = data.regions.map(function (r) {
      return { name: r.code, value: r.figures[measure] || 0 };
    });
    var max = Math.max.apply(null, [1].concat(values.map(function (v) { return v.value; })));
    var series = [{
      name: "区域",
      type: "map",
      geoIndex: 0,
      data: values
    }];
    Object.keys(data.layers).forEach(function (key) {
      var layer = data.layers[key];
      var style = LAYER_STYLE[key];
      series.push(layer.clustered ? countSeries(key, style, layer.counts)
                                  : pointSeries(key, style, layer.points));
      if (key === "events" && layer.hotline && layer.hotline.length) {
        series.push(countSeries("hotline", LAYER_STYLE.hotline, layer.hotline));
      }
    });
    chart.setOption({
      textStyle: { fontFamily: fontFamily },
      tooltip: { trigger: "item", formatter: tooltip },
      legend: {
        top: 8, right: 8, orient: "vertical", backgroundColor: "rgba(255,255,255,.85)",
        padding: 8, textStyle: { fontFamily: fontFamily },
        data: series.slice(1).map(function (s) { return s.name; })
      },
      visualMap: {
        show: !data.isLeaf, min: 0, max: max, left: 8, bottom: 8, seriesIndex: 0, calculable: true,
        text: [measureLabel(measure) + " 多", "少"],
        // one grid alone is not compared with anything: drawn in the lightest colour
        inRange: { color: data.isLeaf ? ["#fbeee4", "#fbeee4"] : ["#fdf3e7", "#f5c08f", "#e07b4f"] },
        textStyle: { fontFamily: fontFamily, color: "#444" },
        backgroundColor: "rgba(255,255,255,.85)", padding: 6
      },
      geo: {
        map: data.mapName,
        roam: true,
        selectedMode: false,
        layoutCenter: ["50%", "50%"],
        layoutSize: "95%",
        itemStyle: { borderColor: "#ffffff", borderWidth: 1.5, areaColor: "#f3f3f3" },
        labelLayout: { hideOverlap: true },
        label: {
          show: !data.isLeaf, fontFamily: fontFamily, color: "#222", fontSize: 13,
          textBorderColor: "#fff", textBorderWidth: 3,
          formatter: function (p) { var r = regionByCode(p.name); return r ? r.name : p.name; }
        },
        emphasis: { label: { color: "#000", fontWeight: "bold" }, itemStyle: { areaColor: "#f6d365" } }
      },
      series: series
    }, true);
    holder.dataset.area = data.area.code;
    holder.dataset.ready = "1";
  }

  chart.on("click", function (params) {
    var d = params.data || {};
    if (params.seriesType === "map" || params.componentType === "geo") {
      var region = regionByCode(params.name);
      if (region && !state.data.isLeaf && region.code !== state.data.area.code) {
        load(region.code);
      }
      return;
    }
    if (d.clustered && d.code && d.code !== state.data.area.code) {
      load(d.code);
    } else if ((d.layer === "people" || d.layer === "events") && d.id) {
      window.location.href = config.householdUrl.replace("/0/", "/" + d.id + "/");
    }
  });
  measureSelect.addEventListener("change", function () { if (state.data) { draw(); } });
  [typeSelect, categorySelect].concat(layerBoxes).forEach(function (el) {
    el.addEventListener("change", function () { load(); });
  });
  document.getElementById("map-export").addEventListener("click", function () {
    var link = document.createElement("a");
    link.href = chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#ffffff" });
    link.download = "民情地图-" + (state.data ? state.data.area.name : "") + ".png";
    document.body.appendChild(link);
    link.click();
    link.remove();
  });
  window.addEventListener("resize", function () { chart.resize(); });
  load();
})();
