/* 数据导入 · 上传: send the file with XMLHttpRequest to show 上传中 xx%, then a spinner while
   the server checks and imports it. Without this script the form posts normally.
   The server answers a good upload with a redirect to the run page (which the XHR follows);
   anything else is the form again, with its message, which replaces the panel. */
(function () {
  "use strict";

  function init() {
    var form = document.getElementById("upload-form");
    if (!form) return;
    var select = form.querySelector("select[name=source]");
    var input = form.querySelector("input[type=file]");
    var submit = document.getElementById("upload-submit");
    var box = document.getElementById("upload-progress");
    var bar = document.getElementById("upload-progress-bar");
    var status = document.getElementById("upload-status");
    var clientError = document.getElementById("upload-client-error");
    var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10) || 0;

    function showHint() {
      form.querySelectorAll(".upload__hint").forEach(function (hint) {
        hint.hidden = hint.getAttribute("data-source") !== select.value;
      });
    }
    select.addEventListener("change", showHint);
    showHint();

    function fail(message) {
      clientError.textContent = message;
      clientError.hidden = false;
      box.hidden = true;
      box.classList.remove("is-working");
      submit.disabled = false;
    }

    input.addEventListener("change", function () {
      clientError.hidden = true;
      var file = input.files[0];
      if (file && maxBytes && file.size > maxBytes) fail(form.getAttribute("data-too-large"));
    });

    form.addEventListener("submit", function (event) {
      var file = input.files[0];
      // empty fields: let the server say what is missing, in the same words as without JS
      if (!file || !select.value) return;
      event.preventDefault();
      if (maxBytes && file.size > maxBytes) {
        fail(form.getAttribute("data-too-large"));
        return;
      }
      clientError.hidden = true;
      submit.disabled = true;
      box.hidden = false;
      bar.value = 0;
      status.textContent = "上传中 0%";

      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        var percent = Math.floor((e.loaded / e.total) * 100);
        bar.value = percent;
        status.textContent = "上传中 " + percent + "%";
      });
      xhr.upload.addEventListener("load", function () {
        bar.value = 100;
        box.classList.add("is-working");
        status.textContent = "正在校验与导入…";
      });
      xhr.addEventListener("load", function () {
        var here = new URL(form.action, window.location.href);
        var there = xhr.responseURL ? new URL(xhr.responseURL) : null;
        if (xhr.status === 200 && there && there.pathname !== here.pathname) {
          window.location.assign(xhr.responseURL); // the run page
          return;
        }
        var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var main = page.querySelector("main.site-main");
        if (main) {
          document.querySelector("main.site-main").innerHTML = main.innerHTML;
          init();
        } else {
          fail("服务器返回错误 (" + xhr.status + "), 请稍后重试或联系系统管理员。");
        }
      });
      xhr.addEventListener("error", function () {
        fail("上传中断: 网络连接失败, 请检查网络后重试。");
      });
      xhr.addEventListener("abort", function () {
        fail("上传已取消。");
      });
      xhr.send(new FormData(form));
    });
  }

  init();
})();
