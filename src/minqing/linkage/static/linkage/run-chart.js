/* The match weight of every comparison level of a link run's model, as horizontal bars
   (green: for "same person", red: against). Data comes from the page:
   <script id="run-chart-data" type="application/json">{labels, comparisons, weights}. */
(function () {
  "use strict";
  var holder = document.getElementById("run-chart");
  var dataElement = document.getElementById("run-chart-data");
  if (!holder || !dataElement || !window.echarts) {
    return;
  }
  var data = JSON.parse(dataElement.textContent);
  var fontFamily = getComputedStyle(document.body).fontFamily;
  var encode = echarts.format.encodeHTML;
  // one bar per level, enough room for its label
  holder.style.height = Math.max(240, data.labels.length * 26 + 60) + "px";
  var chart = echarts.init(holder, null, { renderer: "canvas" });

  var bars = data.weights.map(function (weight) {
    return {
      value: weight === null ? 0 : weight,
      itemStyle: { color: weight === null ? "#b7bfcc" : weight >= 0 ? "#2e8b47" : "#b22222" }
    };
  });

  chart.setOption({
    textStyle: { fontFamily: fontFamily },
    animation: false,
    grid: { left: 8, right: 56, top: 24, bottom: 32, containLabel: true },
    tooltip: {
      trigger: "axis",
      axisPointer: { type: "shadow" },
      formatter: function (params) {
        var i = params[0].dataIndex;
        var weight = data.weights[i];
        return encode(data.labels[i]) + "<br>匹配权重: " +
          (weight === null ? "未训练" : (weight > 0 ? "+" : "") + weight.toFixed(2));
      }
    },
    xAxis: {
      type: "value",
      name: "匹配权重(比特)",
      nameLocation: "middle",
      nameGap: 24,
      splitLine: { lineStyle: { color: "#eef0f3" } }
    },
    yAxis: {
      type: "category",
      inverse: true,
      data: data.labels,
      axisTick: { show: false },
      axisLabel: { color: "#444" }
    },
    series: [{
      type: "bar",
      data: bars,
      barMaxWidth: 16,
      label: {
        show: true,
        position: "right",
        formatter: function (params) {
          var weight = data.weights[params.dataIndex];
          return weight === null ? "" : (weight > 0 ? "+" : "") + weight.toFixed(1);
        },
        color: "#444"
      },
      markLine: {
        silent: true,
        symbol: "none",
        data: [{ xAxis: 0 }],
        lineStyle: { color: "#7a8699", type: "solid" },
        label: { show: false }
      }
    }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
