// Short sounds made with the Web Audio API (no files): a beep per good scan, distinct sounds for errors.
let context = null;

function audio() {
  if (!context) {
    const Ctor = window.AudioContext || window.webkitAudioContext;
    if (!Ctor) return null;
    context = new Ctor();
  }
  if (context.state === "suspended") context.resume();
  return context;
}

function tone(frequency, start, duration, type = "sine", volume = 0.2) {
  const ctx = audio();
  if (!ctx) return;
  const oscillator = ctx.createOscillator();
  const gain = ctx.createGain();
  oscillator.type = type;
  oscillator.frequency.value = frequency;
  gain.gain.value = volume;
  oscillator.connect(gain).connect(ctx.destination);
  const at = ctx.currentTime + start;
  oscillator.start(at);
  oscillator.stop(at + duration);
}

export const sounds = {
  ok() { tone(1400, 0, 0.07); },
  unknown() { tone(300, 0, 0.12, "square", 0.15); tone(300, 0.18, 0.12, "square", 0.15); },
  refused() { tone(660, 0, 0.18, "sawtooth", 0.15); tone(440, 0.2, 0.18, "sawtooth", 0.15); tone(260, 0.4, 0.35, "sawtooth", 0.15); },
  warning() { tone(880, 0, 0.1, "triangle"); tone(880, 0.15, 0.1, "triangle"); },
  paid() { tone(880, 0, 0.09); tone(1320, 0.1, 0.14); },
};

// Browsers start audio only after a gesture: unlock on the first touch or key.
for (const type of ["pointerdown", "keydown"]) {
  window.addEventListener(type, () => audio(), { once: true, capture: true });
}
