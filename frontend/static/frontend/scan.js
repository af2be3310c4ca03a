// Reading QR codes with the phone camera: the browser's BarcodeDetector where it exists (Chrome on Android),
// else the vendored jsQR decoder (iPhone Safari, Firefox), loaded only when first needed. One interface:
//   MarketScan.start(video, onCode, onError) -> stop()   reads the camera until stopped
//   MarketScan.decode(source) -> Promise<string|null>    one image, canvas or video frame
(function () {
  "use strict";
  var script = document.currentScript;
  var jsqrUrl = script && script.dataset.jsqr;
  var decoderPromise = null;

  function nativeDecoder() {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    return {
      name: "native",
      decode: function (source) {
        return detector.detect(source).then(function (codes) {
          return codes.length ? codes[0].rawValue : null;
        });
      },
    };
  }

  function loadJsQR() {
    if (window.jsQR) return Promise.resolve(window.jsQR);
    return new Promise(function (resolve, reject) {
      var tag = document.createElement("script");
      tag.src = jsqrUrl;
      tag.onload = function () {
        resolve(window.jsQR);
      };
      tag.onerror = reject;
      document.head.appendChild(tag);
    });
  }

  function fallbackDecoder(jsQR) {
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    return {
      name: "jsqr",
      decode: function (source) {
        var width = source.videoWidth || source.naturalWidth || source.width;
        var height = source.videoHeight || source.naturalHeight || source.height;
        if (!width || !height) return Promise.resolve(null);
        canvas.width = width;
        canvas.height = height;
        context.drawImage(source, 0, 0, width, height);
        var pixels = context.getImageData(0, 0, width, height);
        var found = jsQR(pixels.data, width, height, { inversionAttempts: "attemptBoth" });
        return Promise.resolve(found ? found.data : null);
      },
    };
  }

  function decoder() {
    if (!decoderPromise) {
      decoderPromise =
        "BarcodeDetector" in window
          ? Promise.resolve(nativeDecoder())
          : loadJsQR().then(fallbackDecoder);
    }
    return decoderPromise;
  }

  function decode(source) {
    return decoder().then(function (d) {
      return d.decode(source);
    });
  }

  function start(video, onCode, onError) {
    var stream = null;
    var stopped = false;
    var last = "";
    var lastAt = 0;
    function tick(d) {
      if (stopped) return;
      d.decode(video)
        .then(function (value) {
          var now = Date.now();
          // The same code held in front of the camera is read once, not every frame.
          if (value && (value !== last || now - lastAt > 4000)) {
            last = value;
            lastAt = now;
            onCode(value, d.name);
          }
        })
        .catch(function () {})
        .then(function () {
          window.setTimeout(function () {
            tick(d);
          }, 250);
        });
    }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      onError(new Error("camera"));
      return function () {};
    }
    Promise.all([
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }),
      decoder(),
    ])
      .then(function (got) {
        stream = got[0];
        video.srcObject = stream;
        video.hidden = false;
        return video.play().then(function () {
          tick(got[1]);
        });
      })
      .catch(onError);
    return function stop() {
      stopped = true;
      if (stream) {
        stream.getTracks().forEach(function (t) {
          t.stop();
        });
      }
      video.hidden = true;
    };
  }

  window.MarketScan = { start: start, decode: decode, decoder: decoder };
})();
