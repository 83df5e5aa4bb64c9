// Polls an import job's status.json every second, moves the progress bar, and reloads the page when the job
// has finished (the page then shows the summary or the error).
(function () {
  "use strict";
  var box = document.querySelector("[data-status-url]");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  var bar = box.querySelector(".progress-bar");
  var meter = box.querySelector("[role=progressbar]");
  var value = box.querySelector("[data-progress-value]");
  var stage = box.querySelector("[data-progress-stage]");

  function show(state) {
    var pct = Math.max(0, Math.min(100, Number(state.progress) || 0));
    bar.style.width = pct + "%";
    meter.setAttribute("aria-valuenow", String(pct));
    value.textContent = String(pct);
    if (state.stage) stage.textContent = state.stage;
  }

  function tick() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (state) {
        show(state);
        if (state.status === "selesai" || state.status === "gagal") {
          window.location.reload();
        } else {
          window.setTimeout(tick, 1000);
        }
      })
      .catch(function () {
        window.setTimeout(tick, 1000);
      });
  }

  window.setTimeout(tick, 1000);
})();
