// Cek bansos: choosing a region level reloads the form with the next level's list (no inline script: CSP).
(function () {
  "use strict";
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      var form = select.form;
      if (!form) { return; }
      var levels = ["prov", "kab", "kec", "desa"];
      var at = levels.indexOf(select.name);
      // a new parent empties the levels below it
      levels.slice(at + 1).forEach(function (name) {
        var below = form.elements.namedItem(name);
        if (below) { below.value = ""; }
      });
      var pick = document.createElement("input");
      pick.type = "hidden";
      pick.name = "_pick";
      pick.value = "1";
      form.appendChild(pick);
      form.noValidate = true;
      form.submit();
    });
  });
  document.querySelectorAll("[data-nojs]").forEach(function (el) { el.hidden = true; });
})();
