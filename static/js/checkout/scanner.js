// Scanner keystroke capture for the till.
// A USB/Bluetooth scanner "types" the code very fast (a few ms between keys), usually followed by Enter or Tab.
// People type slowly. Keys are read wherever the focus is: a fast burst becomes a scan (even inside a text field,
// which gets its value back); slow digits typed outside fields become a pending number that multiplies the next
// scan (never glued to the scanned digits). On an AZERTY layout without Shift, scanners type "&é\"'(-è_çà" for
// 1234567890: those characters are mapped back to digits.

export const AZERTY_DIGITS = {
  "&": "1", "é": "2", '"': "3", "'": "4", "(": "5", "-": "6", "è": "7", "_": "8", "ç": "9", "à": "0",
};

/** The digit a key stands for ("7" or "è" → "7"), or null. */
export function keyToDigit(key) {
  if (key.length === 1 && key >= "0" && key <= "9") return key;
  return Object.prototype.hasOwnProperty.call(AZERTY_DIGITS, key) ? AZERTY_DIGITS[key] : null;
}

function isEditable(element) {
  if (!element || !(element instanceof HTMLElement)) return false;
  if (element.isContentEditable) return true;
  if (element instanceof HTMLTextAreaElement) return true;
  if (element instanceof HTMLInputElement) {
    return !["button", "submit", "checkbox", "radio", "reset", "file", "image", "range", "color"].includes(element.type);
  }
  return false;
}

export class ScanCapture {
  /**
   * @param {object} options
   * @param {(code: string, multiplier: number) => void} options.onScan  a complete code (in order of arrival)
   * @param {(pending: string) => void} [options.onPending]  the number typed so far (shown on screen)
   * @param {number} [options.burstGapMs]  keys closer than this belong to one scan
   * @param {number} [options.pauseMs]  silence that ends a scan sent without Enter
   * @param {number} [options.minLength]  shorter bursts are typing, not scans
   */
  constructor({ onScan, onPending = () => {}, burstGapMs = 40, pauseMs = 90, minLength = 6 }) {
    this.onScan = onScan;
    this.onPending = onPending;
    this.burstGapMs = burstGapMs;
    this.pauseMs = pauseMs;
    this.minLength = minLength;
    this.pending = "";
    this.burst = null;
    this.lastKeyAt = -Infinity;
    this.lastKeyWasDigit = false;
    this.timer = null;
    this.fieldSnapshot = null; // {element, value} before the last key typed in an editable field
    this.enabled = true;
    this.handleKeydown = this.handleKeydown.bind(this);
  }

  attach(target = document) {
    target.addEventListener("keydown", this.handleKeydown, true);
    return this;
  }

  detach(target = document) {
    target.removeEventListener("keydown", this.handleKeydown, true);
  }

  clearPending() {
    this.pending = "";
    this.onPending(this.pending);
  }

  handleKeydown(event) {
    if (!this.enabled || event.ctrlKey || event.altKey || event.metaKey) return;
    const now = event.timeStamp || performance.now();
    const gap = now - this.lastKeyAt;
    const target = event.target;
    const editable = isEditable(target);

    if (event.key === "Enter" || event.key === "Tab") {
      if (this.burst !== null) {
        event.preventDefault();
        this.finishBurst();
      } else if (!editable && this.pending) {
        event.preventDefault();
        const typed = this.pending;
        if (typed.length >= this.minLength) {
          this.pending = "";
          this.onPending("");
          this.onScan(typed, 1);
        }
      }
      this.lastKeyAt = now;
      this.lastKeyWasDigit = false;
      return;
    }
    if (event.key === "Backspace" && !editable && this.pending) {
      event.preventDefault();
      this.pending = this.pending.slice(0, -1);
      this.onPending(this.pending);
      return;
    }
    if (event.key === "Escape" && !editable && this.pending) {
      this.clearPending();
      return;
    }
    const digit = keyToDigit(event.key);
    if (digit === null) {
      this.lastKeyWasDigit = false;
      this.lastKeyAt = now;
      return;
    }

    if (this.burst !== null && gap < this.burstGapMs) {
      event.preventDefault();
      this.burst += digit;
    } else if (this.burst === null && this.lastKeyWasDigit && gap < this.burstGapMs) {
      // The second fast key: the previous one was the start of a scan, not typing.
      event.preventDefault();
      if (editable && this.fieldSnapshot && this.fieldSnapshot.element === target) {
        target.value = this.fieldSnapshot.value;
        this.burst = this.fieldSnapshot.digit + digit;
      } else {
        this.burst = this.pending.slice(-1) + digit;
        this.pending = this.pending.slice(0, -1);
      }
    } else {
      if (this.burst !== null) this.finishBurst();
      if (editable) {
        this.fieldSnapshot = { element: target, value: target.value, digit };
      } else {
        event.preventDefault();
        this.fieldSnapshot = null;
        if (this.pending.length < 13) this.pending += digit;
        this.onPending(this.pending);
      }
    }
    this.lastKeyAt = now;
    this.lastKeyWasDigit = true;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.burst !== null) this.finishBurst();
    }, this.pauseMs);
  }

  finishBurst() {
    clearTimeout(this.timer);
    const code = this.burst;
    this.burst = null;
    this.fieldSnapshot = null;
    if (code.length < this.minLength) {
      // Fast typing of a short number, not a scanner.
      this.pending = (this.pending + code).slice(0, 13);
      this.onPending(this.pending);
      return;
    }
    let multiplier = 1;
    if (this.pending && this.pending.length <= 3 && Number(this.pending) > 0) {
      multiplier = Number(this.pending);
    }
    this.pending = "";
    this.onPending("");
    this.onScan(code, multiplier);
  }
}
