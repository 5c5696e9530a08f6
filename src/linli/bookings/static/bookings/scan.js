// Scanning a check-in QR code with the camera of the staff phone or the self-service terminal.
// The frames never leave the device: each one is drawn on a canvas and decoded here by jsQR (served by
// linli from npm, see settings.STATICFILES_DIRS); a decoded code fills the form's `code` field and submits
// the form, exactly as if it had been typed. Without a camera (or permission) a message says so and the
// typed code keeps working.
(function () {
  "use strict";

  function setUp(button) {
    var form = button.closest("form");
    var input = form.querySelector("input[name=code]");
    var box = document.querySelector(button.dataset.scan);
    var video = box.querySelector("video");
    var status = box.querySelector("[data-scan-status]");
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    var stream = null;

    function stop() {
      if (stream) {
        stream.getTracks().forEach(function (track) { track.stop(); });
        stream = null;
      }
      video.srcObject = null;
      box.hidden = true;
      button.hidden = false;
    }

    function frame() {
      if (!stream) return;
      if (video.readyState >= video.HAVE_ENOUGH_DATA && video.videoWidth > 0) {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        context.drawImage(video, 0, 0, canvas.width, canvas.height);
        var image = context.getImageData(0, 0, canvas.width, canvas.height);
        var found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "attemptBoth" });
        if (found && found.data) {
          input.value = found.data.trim();
          stop();
          form.requestSubmit();
          return;
        }
      }
      window.requestAnimationFrame(frame);
    }

    button.addEventListener("click", function () {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        box.hidden = false;
        status.textContent = button.dataset.noCamera;
        return;
      }
      box.hidden = false;
      button.hidden = true;
      status.textContent = button.dataset.looking;
      navigator.mediaDevices
        .getUserMedia({ video: { facingMode: button.dataset.facing || "environment" }, audio: false })
        .then(function (s) {
          stream = s;
          video.srcObject = s;
          return video.play();
        })
        .then(function () { window.requestAnimationFrame(frame); })
        .catch(function () {
          stop();
          box.hidden = false;
          status.textContent = button.dataset.noCamera;
        });
    });
    box.querySelector("[data-scan-stop]").addEventListener("click", stop);
  }

  document.querySelectorAll("button[data-scan]").forEach(setUp);
})();
