// Offline-capable handover recording: records go to a queue in localStorage first, then to the server
// (POST /api/v1/distribution/handovers). Each record carries a client key (UUID) made here, so sending it again
// after a lost answer finds the first record on the server instead of writing a second one.
(function () {
  "use strict";
  var app = document.getElementById("handover-app");
  if (!app) return;
  var KEY = "salur-handover-queue";
  var syncUrl = app.dataset.syncUrl;
  var csrf = app.querySelector("input[name=csrfmiddlewaretoken]").value;
  var syncing = false;

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function load() {
    try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function save(queue) {
    localStorage.setItem(KEY, JSON.stringify(queue));
    document.getElementById("queue-count").textContent = String(queue.length);
  }
  function row(id) { return app.querySelector('tr[data-recipient="' + id + '"]'); }
  function setState(id, text) {
    var r = row(id);
    if (!r) return;
    r.querySelector(".state").textContent = text;
    var form = r.querySelector(".handover-form");
    if (form) form.remove();
  }
  function netState() {
    document.getElementById("net-state").textContent = navigator.onLine ? "daring" : "luring (tersimpan di perangkat)";
  }
  function readPhoto(input) {
    return new Promise(function (resolve) {
      if (!input || !input.files || !input.files[0]) return resolve(null);
      var reader = new FileReader();
      reader.onload = function () { resolve(reader.result); };
      reader.onerror = function () { resolve(null); };
      reader.readAsDataURL(input.files[0]);
    });
  }
  function position(wanted) {
    return new Promise(function (resolve) {
      if (!wanted || !navigator.geolocation) return resolve(null);
      navigator.geolocation.getCurrentPosition(
        function (p) { resolve({ lat: p.coords.latitude, lon: p.coords.longitude }); },
        function () { resolve(null); },
        { timeout: 5000, maximumAge: 60000 }
      );
    });
  }

  async function sync() {
    if (syncing) return;
    syncing = true;
    var result = document.getElementById("sync-result");
    try {
      var queue = load();
      while (queue.length) {
        var rec = queue[0];
        var resp;
        try {
          resp = await fetch(syncUrl, {
            method: "POST",
            credentials: "same-origin",
            headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
            body: JSON.stringify(rec),
          });
        } catch (e) {
          result.textContent = "Belum terkirim: tidak ada sinyal. Catatan tetap tersimpan.";
          break;
        }
        if (resp.ok) {
          var body = await resp.json();
          setState(rec.recipient_id, rec.received ? "diterima" : "tidak diterima");
          result.textContent = body.created ? "Terkirim." : "Sudah tercatat sebelumnya.";
        } else if (resp.status >= 400 && resp.status < 500) {
          var err = {};
          try { err = await resp.json(); } catch (e) { err = {}; }
          setState(rec.recipient_id, "ditolak: " + (err.detail || resp.status));
          result.textContent = "Ditolak server: " + (err.detail || resp.status);
        } else {
          result.textContent = "Server sedang bermasalah; dicoba lagi nanti.";
          break;
        }
        queue.shift();
        save(queue);
      }
    } finally {
      syncing = false;
      save(load());
    }
  }

  async function record(tr, received) {
    var id = Number(tr.dataset.recipient);
    var mark = tr.querySelector("input[type=radio]:checked");
    if (received && !mark) {
      document.getElementById("sync-result").textContent = "Pilih tanda tangan atau cap jempol lebih dulu.";
      return;
    }
    var photo = await readPhoto(tr.querySelector("input.photo"));
    var geo = await position(tr.querySelector("input.geotag") && tr.querySelector("input.geotag").checked);
    var queue = load();
    queue.push({
      event_id: Number(app.dataset.event),
      recipient_id: id,
      client_key: uuid(),
      received: received,
      mark: received ? mark.value : "",
      photo: photo,
      latitude: geo ? geo.lat : null,
      longitude: geo ? geo.lon : null,
      recorded_at: new Date().toISOString(),
    });
    save(queue);
    setState(id, "menunggu kirim");
    sync();
  }

  app.addEventListener("click", function (ev) {
    var btn = ev.target.closest("button");
    if (!btn) return;
    if (btn.id === "sync-now") return sync();
    var tr = btn.closest("tr.handover-row");
    if (!tr) return;
    if (btn.classList.contains("act-received")) record(tr, true);
    if (btn.classList.contains("act-refused")) record(tr, false);
  });
  window.addEventListener("online", function () { netState(); sync(); });
  window.addEventListener("offline", netState);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(app.dataset.swUrl, { scope: "/penyaluran/" }).catch(function () {});
  }
  // Records queued earlier show as pending until they are sent.
  load().forEach(function (rec) { setState(rec.recipient_id, "menunggu kirim"); });
  netState();
  save(load());
  if (navigator.onLine) sync();
})();
