/* 全部展开 / 全部收起 for the area tree (<details> elements). */
(function () {
  "use strict";
  document.querySelectorAll("[data-tree]").forEach(function (button) {
    button.addEventListener("click", function () {
      var open = button.getAttribute("data-tree") === "open";
      var panel = button.closest(".panel");
      panel.querySelectorAll("details").forEach(function (details) {
        details.open = open;
      });
    });
  });
})();
