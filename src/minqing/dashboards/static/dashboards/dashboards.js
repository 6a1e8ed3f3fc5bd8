/* 工作看板: the page's charts, drawn from <script id="dashboard-data" type="application/json">.
   Clicking a bar or a slice opens its list (window.location); "导出图片" saves the chart as a
   PNG in the browser (getDataURL), with no request to the server. */
(function () {
  "use strict";
  var dataElement = document.getElementById("dashboard-data");
  if (!dataElement || !window.echarts) {
    return;
  }
  var data = JSON.parse(dataElement.textContent);
  var fontFamily = getComputedStyle(document.body).fontFamily;
  var charts = {};
  var COLORS = {
    households: "#1f5fa8",
    persons: "#7fa7d6",
    entered: "#2e8b47",
    exited: "#d99a00",
    net: "#b22222",
    acceptance: "#1f5fa8",
    onTime: "#2e8b47",
    missed: "#b22222",
    missed_confirmed: "#e39a9a",
    mismatch: "#d97a00",
    mismatch_confirmed: "#f2c27f"
  };
  var base = {
    textStyle: { fontFamily: fontFamily },
    animation: false,
    color: ["#1f5fa8", "#2e8b47", "#d99a00", "#b22222"]
  };

  function init(id, option, urlOf) {
    var holder = document.getElementById(id);
    if (!holder) {
      return null;
    }
    var chart = echarts.init(holder, null, { renderer: "canvas" });
    chart.setOption(Object.assign({}, base, option));
    chart.on("click", function (params) {
      var url = urlOf(params);
      if (url) {
        window.location.href = url;
      }
    });
    // a pointer over what clicks through
    chart.getZr().on("mousemove", function (event) {
      chart.getZr().setCursorStyle(event.target ? "pointer" : "default");
    });
    charts[id] = chart;
    return chart;
  }

  var legend = { top: 0, textStyle: { fontFamily: fontFamily } };
  var grid = { left: 8, right: 16, top: 36, bottom: 8, containLabel: true };
  var barLabel = { show: true, position: "top", color: "#444" };

  // 1. family types: households and persons
  init("chart-types", {
    legend: legend,
    grid: grid,
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "category", data: data.types.labels, axisTick: { show: false } },
    yAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#eef0f3" } } },
    series: [
      { name: "户数", type: "bar", data: data.types.households, barMaxWidth: 32,
        itemStyle: { color: COLORS.households }, label: barLabel },
      { name: "人数", type: "bar", data: data.types.persons, barMaxWidth: 32,
        itemStyle: { color: COLORS.persons }, label: barLabel }
    ]
  }, function (p) { return data.types.urls[p.dataIndex]; });

  // 1. categories: households
  init("chart-categories", {
    legend: Object.assign({}, legend, { bottom: 0, top: "auto" }),
    tooltip: { trigger: "item", formatter: "{b}: {c} 户 ({d}%)" },
    series: [{
      type: "pie",
      radius: ["38%", "68%"],
      center: ["50%", "46%"],
      avoidLabelOverlap: true,
      label: { formatter: "{b}\n{c} 户", color: "#333" },
      // each category keeps its colour (重大疑难 red, 政策保障 blue, 一般生活 grey); empty ones
      // are left out: their "0 户" labels would pile up on one point
      data: data.categories.map(function (c, i) {
        return Object.assign({ itemStyle: { color: ["#b22222", "#1f5fa8", "#7a8699"][i] } }, c);
      }).filter(function (c) { return c.value > 0; })
    }]
  }, function (p) { return p.data && p.data.url; });

  // 2. weekly inflow and outflow: each bar's figure over it (none over an empty week)
  var countLabel = Object.assign({}, barLabel, {
    formatter: function (p) { return p.value ? p.value : ""; }
  });
  init("chart-flow", {
    legend: legend,
    grid: grid,
    tooltip: {
      trigger: "axis",
      axisPointer: { type: "shadow" },
      formatter: function (params) {
        var i = params[0].dataIndex;
        var lines = [echarts.format.encodeHTML(data.flow.titles[i]) + " (" + data.flow.labels[i] + " 起)"];
        params.forEach(function (p) {
          lines.push(p.marker + p.seriesName + ": " + p.value + " 户");
        });
        return lines.join("<br>");
      }
    },
    xAxis: { type: "category", data: data.flow.labels, axisTick: { show: false } },
    yAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#eef0f3" } } },
    series: [
      { name: "纳入", type: "bar", data: data.flow.entered, barMaxWidth: 24,
        itemStyle: { color: COLORS.entered }, label: countLabel },
      { name: "退出", type: "bar", data: data.flow.exited, barMaxWidth: 24,
        itemStyle: { color: COLORS.exited }, label: countLabel },
      // the net change is no list of its own: the line does not click through
      { name: "净增", type: "line", data: data.flow.net, symbolSize: 6, silent: true,
        itemStyle: { color: COLORS.net }, lineStyle: { width: 2 } }
    ]
  }, function (p) {
    // a bar → the ledger list of that week (Monday to Sunday): entered, or exited
    if (p.seriesName === "退出") { return data.flow.exitedUrls[p.dataIndex]; }
    if (p.seriesName === "纳入") { return data.flow.enteredUrls[p.dataIndex]; }
    return null;
  });

  // 3. departments: the two rates, "—" (no bar) where nothing was there to count
  function percent(values) {
    return values.map(function (v) { return v === null ? "-" : v; });
  }
  var rateLabel = {
    show: true, position: "top", color: "#444",
    formatter: function (p) { return p.value === "-" ? "—" : p.value + "%"; }
  };
  init("chart-departments", {
    legend: legend,
    grid: grid,
    tooltip: {
      trigger: "axis",
      axisPointer: { type: "shadow" },
      valueFormatter: function (v) { return v === "-" || v === undefined || v === null ? "—" : v + "%"; }
    },
    xAxis: { type: "category", data: data.departments.labels, axisTick: { show: false },
      axisLabel: { interval: 0, width: 90, overflow: "break" } },
    yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" },
      splitLine: { lineStyle: { color: "#eef0f3" } } },
    series: [
      { name: "签收率", type: "bar", data: percent(data.departments.acceptance), barMaxWidth: 28,
        itemStyle: { color: COLORS.acceptance }, label: rateLabel },
      { name: "按时办结率", type: "bar", data: percent(data.departments.onTime), barMaxWidth: 28,
        itemStyle: { color: COLORS.onTime }, label: rateLabel }
    ]
  }, function (p) { return data.departments.urls[p.dataIndex]; });

  // 5. 漏保 and 错保 per policy: found, and of those in the ledger
  if (data.findings) {
    var names = {
      missed: "漏保", missed_confirmed: "漏保·已纳入台账",
      mismatch: "错保", mismatch_confirmed: "错保·已纳入台账"
    };
    var holder = document.getElementById("chart-findings");
    if (holder) {
      holder.style.height = Math.max(260, data.findings.labels.length * 44 + 80) + "px";
    }
    init("chart-findings", {
      legend: legend,
      grid: { left: 8, right: 40, top: 36, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#eef0f3" } } },
      yAxis: { type: "category", inverse: true, data: data.findings.labels, axisTick: { show: false } },
      series: data.findings.series.map(function (s) {
        return {
          name: names[s.key],
          type: "bar",
          data: s.values,
          barMaxWidth: 14,
          itemStyle: { color: COLORS[s.key] },
          label: { show: true, position: "right", color: "#444",
            formatter: function (p) { return p.value ? p.value : ""; } }
        };
      })
    }, function (p) { return data.findings.series[p.seriesIndex].urls[p.dataIndex]; });
  }

  // 导出图片: the chart as a PNG, made in the browser
  var today = data.today;  // the server's date (the district's time zone), not UTC
  Array.prototype.forEach.call(document.querySelectorAll("[data-export]"), function (button) {
    var chart = charts[button.getAttribute("data-export")];
    if (!chart) {
      button.hidden = true;
      return;
    }
    button.addEventListener("click", function () {
      var link = document.createElement("a");
      link.href = chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#fff" });
      link.download = (button.getAttribute("data-name") || "图表") + "-" + today + ".png";
      document.body.appendChild(link);
      link.click();
      link.remove();
    });
  });

  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (id) { charts[id].resize(); });
  });
  // for tests and other scripts: the charts by element id
  window.minqingDashboards = charts;
})();
