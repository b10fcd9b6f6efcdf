// Clinic helpers: the drag-over highlight of drop zones, and recording at the bedside from the
// browser's camera (MediaRecorder, WebM with VP9 or VP8), uploaded through the portal's own API
// (same checks as any upload) when the recording stops.
(() => {
  // A drop zone lights up while files are dragged over it.
  const zoneOf = target => (target && target.closest) ? target.closest(".pr-drop") : null;
  document.addEventListener("dragenter", e => { const z = zoneOf(e.target); if (z) z.classList.add("pr-drop-over"); });
  document.addEventListener("dragover", e => { const z = zoneOf(e.target); if (z) z.classList.add("pr-drop-over"); });
  document.addEventListener("dragleave", e => {
    const z = zoneOf(e.target);
    if (z && !z.contains(e.relatedTarget)) z.classList.remove("pr-drop-over");
  });
  const clear = () => document.querySelectorAll(".pr-drop-over").forEach(z => z.classList.remove("pr-drop-over"));
  document.addEventListener("drop", clear);
  document.addEventListener("dragend", clear);

  let stream = null, recorder = null, chunks = [], blob = null, mimeType = "", previewUrl = null, startedAt = 0;

  const pickType = () => ["video/webm;codecs=vp9", "video/webm;codecs=vp8", "video/webm"]
    .find(t => window.MediaRecorder && MediaRecorder.isTypeSupported(t)) || "";

  const stopTracks = () => { if (stream) stream.getTracks().forEach(t => t.stop()); stream = null; };

  window.painReviewRecorder = {
    /** Opens the camera into the preview; returns "" or the reason it could not. */
    async open(video) {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return "This browser gives the page no camera (a secure https address is needed).";
      if (!pickType()) return "This browser cannot record WebM video (VP8 or VP9).";
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false });
      } catch (e) {
        return `The camera could not be opened: ${e && e.message ? e.message : e}.`;
      }
      if (previewUrl) { URL.revokeObjectURL(previewUrl); previewUrl = null; }
      video.removeAttribute("src");
      video.srcObject = stream;
      video.muted = true;
      await video.play().catch(() => {});
      return "";
    },
    /** Starts recording what the camera shows. */
    start() {
      if (!stream) return "Open the camera first.";
      mimeType = pickType();
      chunks = [];
      blob = null;
      recorder = new MediaRecorder(stream, { mimeType });
      recorder.ondataavailable = e => { if (e.data && e.data.size > 0) chunks.push(e.data); };
      recorder.start(1000);
      startedAt = performance.now();
      return "";
    },
    /** Stops, shows the recording in the preview, closes the camera; returns { bytes, seconds, type }. */
    stop(video) {
      return new Promise(resolve => {
        if (!recorder || recorder.state === "inactive") { resolve({ bytes: 0, seconds: 0, type: "" }); return; }
        recorder.onstop = () => {
          blob = new Blob(chunks, { type: mimeType.split(";")[0] });
          const seconds = (performance.now() - startedAt) / 1000;
          stopTracks();
          video.srcObject = null;
          previewUrl = URL.createObjectURL(blob);
          video.src = previewUrl;
          video.muted = true;
          resolve({ bytes: blob.size, seconds, type: mimeType });
        };
        recorder.stop();
      });
    },
    /** Sends the recording to the study's upload API; returns { status, body }. */
    async upload(studyId, fields) {
      if (!blob) return { status: 0, body: "Nothing was recorded." };
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) if (v !== null && v !== undefined && v !== "") form.append(k, String(v));
      const local = new Date();
      const stamp = `${local.getFullYear()}${String(local.getMonth() + 1).padStart(2, "0")}${String(local.getDate()).padStart(2, "0")}-${String(local.getHours()).padStart(2, "0")}${String(local.getMinutes()).padStart(2, "0")}${String(local.getSeconds()).padStart(2, "0")}`;
      form.append("file", blob, `bedside-${stamp}.webm`);
      try {
        const response = await fetch(`/api/studies/${studyId}/recordings`, {
          method: "POST", body: form, credentials: "same-origin", headers: { "X-PainReview-Api": "1" },
        });
        return { status: response.status, body: await response.text() };
      } catch (e) {
        return { status: 0, body: `The upload was interrupted: ${e && e.message ? e.message : e}.` };
      }
    },
    /** Today's date where the browser is, YYYY-MM-DD. */
    today() {
      const d = new Date();
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
    },
    /** Closes the camera and forgets the recording. */
    close(video) {
      if (recorder && recorder.state !== "inactive") { recorder.onstop = null; recorder.stop(); }
      recorder = null;
      stopTracks();
      blob = null;
      chunks = [];
      if (previewUrl) { URL.revokeObjectURL(previewUrl); previewUrl = null; }
      if (video) { video.srcObject = null; video.removeAttribute("src"); }
    },
  };
})();
