// Check-in scanner: the phone camera reads badge QR codes with the browser's BarcodeDetector where it
// exists; the typed code always works. A read code is submitted like a typed one.
(function () {
  "use strict";
  var button = document.getElementById("scan-start");
  var form = document.getElementById("checkin-form");
  var input = document.getElementById("checkin-code");
  var video = document.getElementById("scan-video");
  if (!button || !form) return;
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) {
    button.hidden = true;
    document.getElementById("scan-unsupported").hidden = false;
    return;
  }
  var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
  var last = "";
  var lastAt = 0;
  var stream = null;

  function tick() {
    if (!stream) return;
    detector
      .detect(video)
      .then(function (codes) {
        if (codes.length) {
          var value = codes[0].rawValue;
          var now = Date.now();
          if (value !== last || now - lastAt > 4000) {
            last = value;
            lastAt = now;
            input.value = value;
            form.requestSubmit();
          }
        }
      })
      .catch(function () {})
      .then(function () {
        window.setTimeout(tick, 300);
      });
  }

  button.addEventListener("click", function () {
    if (stream) {
      stream.getTracks().forEach(function (t) {
        t.stop();
      });
      stream = null;
      video.hidden = true;
      button.setAttribute("aria-pressed", "false");
      return;
    }
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        video.hidden = false;
        button.setAttribute("aria-pressed", "true");
        return video.play();
      })
      .then(tick)
      .catch(function (e) {
        document.getElementById("checkin-result").textContent = e.message;
      });
  });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.elt === form) {
      input.value = "";
      input.focus();
    }
  });
})();
