/* The 民情地图 of one area: its child regions drawn from the district's own GeoJSON
   (no tiles, nothing fetched), coloured by the chosen count; clicking a region drills down.
   Data comes from the page: <script id="area-map-data" type="application/json">. */
(function () {
  "use strict";
  var holder = document.getElementById("area-map");
  var dataElement = document.getElementById("area-map-data");
  if (!holder || !dataElement || !window.echarts) {
    return;
  }
  var data = JSON.parse(dataElement.textContent);
  var fontFamily = getComputedStyle(document.body).fontFamily;
  var encode = echarts.format.encodeHTML;
  var byCode = {};
  data.regions.forEach(function (region) {
    byCode[region.code] = region;
  });
  var metricSelect = document.getElementById("area-map-metric");

  echarts.registerMap(data.mapName, data.geojson);
  var chart = echarts.init(holder, null, { renderer: "canvas" });

  function metricLabel(key) {
    var found = data.metrics.filter(function (m) { return m.key === key; })[0];
    return found ? found.label : key;
  }

  function draw(metric) {
    var values = data.regions.map(function (region) {
      return { name: region.code, value: region.counts[metric] || 0 };
    });
    var max = Math.max.apply(null, [1].concat(values.map(function (v) { return v.value; })));
    var label = metricLabel(metric);
    chart.setOption({
      textStyle: { fontFamily: fontFamily },
      tooltip: {
        trigger: "item",
        formatter: function (params) {
          var region = byCode[params.name];
          var name = region ? region.name : params.name;
          var value = isNaN(params.value) ? 0 : params.value;
          return encode(name) + "<br>" + encode(label) + ": " + value;
        }
      },
      visualMap: {
        min: 0,
        max: max,
        left: 8,
        bottom: 8,
        text: [label + " 多", "少"],
        calculable: true,
        inRange: { color: ["#fbeee4", "#eaa077", "#b22222"] },
        textStyle: { fontFamily: fontFamily, color: "#444" }
      },
      series: [{
        type: "map",
        map: data.mapName,
        roam: true,
        selectedMode: false,
        // Narrow regions: hide a label rather than print it over its neighbour's.
        labelLayout: { hideOverlap: true },
        itemStyle: { borderColor: "#ffffff", borderWidth: 1.5 },
        label: {
          show: true,
          fontFamily: fontFamily,
          color: "#222",
          textBorderColor: "#fff",
          textBorderWidth: 3,
          fontSize: 13,
          formatter: function (params) {
            var region = byCode[params.name];
            return region ? region.name : params.name;
          }
        },
        emphasis: {
          label: { color: "#000", fontWeight: "bold" },
          itemStyle: { areaColor: "#f6d365" }
        },
        data: values
      }]
    }, true);
  }

  chart.on("click", function (params) {
    var region = byCode[params.name];
    if (region && region.code !== data.currentCode) {
      window.location.href = region.url;
    }
  });
  if (metricSelect) {
    metricSelect.addEventListener("change", function () { draw(metricSelect.value); });
  }
  window.addEventListener("resize", function () { chart.resize(); });
  draw(metricSelect ? metricSelect.value : data.defaultMetric);
})();
