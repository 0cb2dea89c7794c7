// lmbasics explorer: forms for the JSON API and a canvas map with zoom, pan, hover and click.
// Plain JavaScript, no libraries and no network beyond this server: the page works offline.
"use strict";

const $ = (id) => document.getElementById(id);
const FONT = getComputedStyle(document.documentElement).getPropertyValue("--font") || "sans-serif";

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  };
  const response = await fetch(path, options);
  let data = null;
  try { data = await response.json(); } catch { data = null; }
  if (!response.ok) throw new Error((data && data.error) || `HTTP ${response.status}`);
  return data;
}

function showError(id, error) { $(id).textContent = error ? String(error.message || error) : ""; }

// A ranked list of {word, similarity}; clicking a word asks for its neighbours.
function renderResults(list, rows) {
  list.replaceChildren(...rows.map((row) => {
    const item = document.createElement("li");
    const word = document.createElement("button");
    word.type = "button";
    word.className = "word";
    word.textContent = row.word;
    word.addEventListener("click", () => lookUp(row.word));
    const score = document.createElement("span");
    score.className = "score";
    score.textContent = row.similarity.toFixed(3);
    const bar = document.createElement("span");
    bar.className = "bar";
    bar.style.width = `${Math.max(0, row.similarity) * 6}rem`;
    item.append(word, score, bar);
    return item;
  }));
}

// ---------------------------------------------------------------- queries
async function lookUp(word) {
  $("neighbours-word").value = word;
  await findNeighbours();
}

async function findNeighbours() {
  showError("neighbours-error", null);
  const list = $("neighbours-results");
  try {
    const topn = parseInt($("neighbours-topn").value, 10) || 10;
    const data = await api("/api/neighbours", { word: $("neighbours-word").value, topn });
    renderResults(list, data.neighbours);
    map.highlight(data.query, data.neighbours.map((row) => row.word));
  } catch (error) {
    list.replaceChildren();
    showError("neighbours-error", error);
  }
}

async function solveAnalogy() {
  showError("analogy-error", null);
  const list = $("analogy-results");
  try {
    const body = { a: $("analogy-a").value, b: $("analogy-b").value, c: $("analogy-c").value };
    const data = await api("/api/analogy", body);
    renderResults(list, data.answers);
    map.highlight([...data.query.a, ...data.query.b, ...data.query.c],
      data.answers.slice(0, 1).map((row) => row.word));
  } catch (error) {
    list.replaceChildren();
    showError("analogy-error", error);
  }
}

async function compare() {
  showError("similarity-error", null);
  $("similarity-result").textContent = "";
  try {
    const data = await api("/api/similarity",
      { word1: $("similarity-word1").value, word2: $("similarity-word2").value });
    $("similarity-result").textContent =
      `cos(${data.word1.join(" ")}, ${data.word2.join(" ")}) = ${data.similarity.toFixed(4)}`;
  } catch (error) {
    showError("similarity-error", error);
  }
}

// ---------------------------------------------------------------- the map
class WordMap {
  constructor(canvas, tooltip) {
    this.canvas = canvas;
    this.tooltip = tooltip;
    this.words = [];
    this.points = [];          // data coordinates
    this.scale = 1;            // CSS pixels per data unit
    this.offset = [0, 0];      // CSS pixel position of data (0, 0)
    this.hover = -1;
    this.focus = new Set();    // query words
    this.marked = new Set();   // their neighbours
    this.drag = null;
    this.listen();
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  load(words, points) {
    this.words = words;
    this.points = points;
    this.index = new Map(words.map((word, i) => [word, i]));
    this.fit();
  }

  fit() {
    if (!this.points.length) return;
    const xs = this.points.map((p) => p[0]), ys = this.points.map((p) => p[1]);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const { width, height } = this.canvas.getBoundingClientRect();
    this.scale = Math.min((width - 80) / (x1 - x0 || 1), (height - 40) / (y1 - y0 || 1));
    this.offset = [width / 2 - this.scale * (x0 + x1) / 2, height / 2 + this.scale * (y0 + y1) / 2];
    this.draw();
  }

  toScreen(point) { return [this.offset[0] + this.scale * point[0], this.offset[1] - this.scale * point[1]]; }

  // The CSS-pixel position of a word on the canvas, or null (used by the browser test too).
  screenPosition(word) {
    const i = this.index ? this.index.get(word) : undefined;
    return i === undefined ? null : this.toScreen(this.points[i]);
  }

  nearest(x, y, radius = 8) {
    let best = -1, bestDistance = radius * radius;
    this.points.forEach((point, i) => {
      const [px, py] = this.toScreen(point);
      const distance = (px - x) ** 2 + (py - y) ** 2;
      if (distance <= bestDistance) { best = i; bestDistance = distance; }
    });
    return best;
  }

  highlight(focus, marked) {
    this.focus = new Set(focus);
    this.marked = new Set(marked);
    this.draw();
  }

  draw() {
    const canvas = this.canvas, ratio = window.devicePixelRatio || 1;
    const { width, height } = canvas.getBoundingClientRect();
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    const context = canvas.getContext("2d");
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, width, height);
    context.font = `12px ${FONT}`;
    context.textBaseline = "bottom";
    const taken = [];  // label boxes already drawn: a new label must not overlap one
    const labelled = new Set();
    const fits = (box) => !taken.some((t) => box[0] < t[2] && t[0] < box[2] && box[1] < t[3] && t[1] < box[3]);
    // Candidate boxes beside the point (right, left; above, below), then farther up and down
    // for labels that must be shown (highlighted words), joined to their point by a line.
    const label = (i, colour, force) => {
      if (labelled.has(i)) return;
      const [x, y] = this.toScreen(this.points[i]);
      const text = this.words[i], w = context.measureText(text).width + 4, h = 15;
      let chosen = null, far = false;
      for (let ring = 0; ring < (force ? 10 : 1) && !chosen; ring++) {
        for (const [left, up] of [[true, true], [true, false], [false, true], [false, false]]) {
          const x0 = left ? x + 4 : x - 4 - w;
          const y0 = up ? y - 2 - h - ring * h : y + 2 + ring * h;
          const box = [x0, y0, x0 + w, y0 + h];
          if (fits(box)) { chosen = box; far = ring > 0; break; }
        }
      }
      if (!chosen) {
        if (!force) return;
        chosen = [x + 4, y - 2 - h, x + 4 + w, y - 2];
      }
      if (chosen[2] < 0 || chosen[0] > width || chosen[3] < 0 || chosen[1] > height) return;
      taken.push(chosen);
      labelled.add(i);
      if (far) {
        context.strokeStyle = "#98a2b3";
        context.lineWidth = 0.8;
        context.beginPath();
        context.moveTo(x, y);
        context.lineTo(Math.min(Math.max(x, chosen[0]), chosen[2]), Math.min(Math.max(y, chosen[1]), chosen[3]));
        context.stroke();
      }
      context.fillStyle = "rgba(255, 255, 255, 0.85)";
      context.fillRect(chosen[0], chosen[1], w, h);
      context.fillStyle = colour;
      context.fillText(text, chosen[0] + 2, chosen[3] - 1);
    };
    const special = [...new Set([...this.focus, ...this.marked])]
      .map((w) => this.index.get(w)).filter((i) => i !== undefined);
    this.points.forEach((point, i) => {
      const [x, y] = this.toScreen(point);
      if (x < -5 || y < -5 || x > width + 5 || y > height + 5) return;
      const focus = this.focus.has(this.words[i]), marked = this.marked.has(this.words[i]);
      context.beginPath();
      context.arc(x, y, focus || marked ? 4.5 : 2.5, 0, 2 * Math.PI);
      context.fillStyle = focus ? "#d92d20" : marked ? "#1f6feb" : "#98a2b3";
      context.fill();
    });
    // Highlighted words first (always), then the rest in frequency order where there is room.
    for (const i of special) label(i, this.focus.has(this.words[i]) ? "#b42318" : "#1849a9", true);
    if (this.hover >= 0) label(this.hover, "#101828", true);
    this.points.forEach((_, i) => { if (taken.length < 400) label(i, "#344054", false); });
  }

  showTooltip(i, x, y) {
    this.hover = i;
    this.tooltip.hidden = i < 0;
    if (i >= 0) {
      this.tooltip.textContent = this.words[i];
      this.tooltip.style.left = `${x + 12}px`;
      this.tooltip.style.top = `${y + 12}px`;
    }
    this.canvas.style.cursor = i >= 0 ? "pointer" : "";
    this.draw();
  }

  listen() {
    const canvas = this.canvas;
    const position = (event) => {
      const rect = canvas.getBoundingClientRect();
      return [event.clientX - rect.left, event.clientY - rect.top];
    };
    canvas.addEventListener("wheel", (event) => {
      event.preventDefault();
      const [x, y] = position(event), factor = Math.exp(-event.deltaY * 0.0015);
      this.offset = [x - (x - this.offset[0]) * factor, y - (y - this.offset[1]) * factor];
      this.scale *= factor;
      this.draw();
    }, { passive: false });
    canvas.addEventListener("pointerdown", (event) => {
      this.drag = { start: position(event), offset: [...this.offset], moved: false };
      canvas.setPointerCapture(event.pointerId);
    });
    canvas.addEventListener("pointermove", (event) => {
      const [x, y] = position(event);
      if (this.drag) {
        const dx = x - this.drag.start[0], dy = y - this.drag.start[1];
        if (Math.abs(dx) + Math.abs(dy) > 3) { this.drag.moved = true; canvas.classList.add("dragging"); }
        if (this.drag.moved) {
          this.offset = [this.drag.offset[0] + dx, this.drag.offset[1] + dy];
          this.draw();
          return;
        }
      }
      const i = this.nearest(x, y);
      if (i !== this.hover) this.showTooltip(i, x, y);
    });
    canvas.addEventListener("pointerup", (event) => {
      const drag = this.drag;
      this.drag = null;
      canvas.classList.remove("dragging");
      if (drag && !drag.moved) {
        const [x, y] = position(event), i = this.nearest(x, y);
        if (i >= 0) lookUp(this.words[i]);
      }
    });
    canvas.addEventListener("pointerleave", () => { if (!this.drag) this.showTooltip(-1, 0, 0); });
    canvas.addEventListener("dblclick", () => this.fit());
  }
}

const map = new WordMap($("map"), $("tooltip"));
window.lmbasicsMap = map;

async function drawMap() {
  const status = $("map-status"), method = $("map-method").value;
  const words = parseInt($("map-words").value, 10) || 300;
  status.textContent = method === "tsne" ? "running t-SNE…" : "projecting…";
  $("map").dataset.ready = "false";
  try {
    const data = await api(`/api/map?words=${words}&method=${method}`);
    map.load(data.words, data.points);
    status.textContent = `${data.words.length} most frequent words, ${data.description}`;
    $("map").dataset.ready = "true";
  } catch (error) {
    status.textContent = `map: ${error.message}`;
  }
}

function onSubmit(id, handler) {
  $(id).addEventListener("submit", (event) => { event.preventDefault(); handler(); });
}

async function start() {
  onSubmit("neighbours-form", findNeighbours);
  onSubmit("analogy-form", solveAnalogy);
  onSubmit("similarity-form", compare);
  $("map-draw").addEventListener("click", drawMap);
  $("map-reset").addEventListener("click", () => map.fit());
  try {
    const info = await api("/api/info");
    $("info").textContent = `${info.source}: ${info.vocab_size.toLocaleString()} words, ` +
      `${info.vector_size} dimensions` + (info.tokenizer ? `, queries segmented by ${info.tokenizer}` : "");
    $("neighbours-topn").max = info.max_topn;
    $("map-words").max = info.max_map_words;
    $("map-words").value = info.default_map_words;
    document.body.dataset.ready = "true";
    await drawMap();
  } catch (error) {
    $("info").textContent = `cannot reach the server: ${error.message}`;
  }
}

start();
