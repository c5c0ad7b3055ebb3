// Camera scanning: the browser's BarcodeDetector when present, else the vendored ZXing library (no CDN).
// Needs a secure context (HTTPS or localhost) for the camera.
const FORMATS = ["ean_13", "ean_8", "upc_a"];

function loadScript(url) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = url;
    script.onload = resolve;
    script.onerror = () => reject(new Error("cannot load " + url));
    document.head.appendChild(script);
  });
}

async function makeDetector(zxingUrl) {
  if ("BarcodeDetector" in window) {
    const supported = await window.BarcodeDetector.getSupportedFormats();
    const formats = FORMATS.filter((f) => supported.includes(f));
    if (formats.length) {
      const detector = new window.BarcodeDetector({ formats });
      return async (video) => {
        const found = await detector.detect(video);
        return found.length ? found[0].rawValue : null;
      };
    }
  }
  if (!window.ZXing) await loadScript(zxingUrl);
  const ZXing = window.ZXing;
  const hints = new Map();
  hints.set(ZXing.DecodeHintType.POSSIBLE_FORMATS,
    [ZXing.BarcodeFormat.EAN_13, ZXing.BarcodeFormat.EAN_8, ZXing.BarcodeFormat.UPC_A]);
  const reader = new ZXing.MultiFormatReader();
  reader.setHints(hints);
  const canvas = document.createElement("canvas");
  return async (video) => {
    if (!video.videoWidth) return null;
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d", { willReadFrequently: true }).drawImage(video, 0, 0);
    try {
      const source = new ZXing.HTMLCanvasElementLuminanceSource(canvas);
      const bitmap = new ZXing.BinaryBitmap(new ZXing.HybridBinarizer(source));
      return reader.decode(bitmap).getText();
    } catch (error) {
      return null; // nothing readable in this frame
    }
  };
}

/**
 * A product that stays in front of the camera is added once: a code counts again only after it has left the view
 * (not read for `goneMs`, longer than the frames a detector misses while it is still there). A second unit of the
 * same product: take it out of the view and back, or tap "+" on its line.
 */
export class SeenCodes {
  constructor(goneMs = 1200) {
    this.goneMs = goneMs;
    this.lastSeen = new Map(); // code -> when it was last read
  }

  shouldAdd(code, now) {
    for (const [known, at] of this.lastSeen) if (now - at >= this.goneMs) this.lastSeen.delete(known);
    if (!code) return false;
    const present = this.lastSeen.has(code);
    this.lastSeen.set(code, now);
    return !present;
  }
}

export class CameraScanner {
  constructor({ video, zxingUrl, onScan, onError }) {
    this.video = video;
    this.zxingUrl = zxingUrl;
    this.onScan = onScan;
    this.onError = onError;
    this.stream = null;
    this.running = false;
    this.seen = new SeenCodes();
  }

  async start() {
    if (!navigator.mediaDevices?.getUserMedia) {
      this.onError("no_camera");
      return;
    }
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    } catch (error) {
      this.onError("denied");
      return;
    }
    this.video.srcObject = this.stream;
    await this.video.play();
    const detect = await makeDetector(this.zxingUrl);
    this.running = true;
    const loop = async () => {
      if (!this.running) return;
      const code = await detect(this.video).catch(() => null);
      if (this.seen.shouldAdd(code, performance.now())) this.onScan(code);
      setTimeout(loop, 200);
    };
    loop();
  }

  stop() {
    this.running = false;
    this.seen = new SeenCodes();
    if (this.stream) this.stream.getTracks().forEach((track) => track.stop());
    this.stream = null;
    this.video.srcObject = null;
  }
}
