// The search page: asks GET /search and GET /articles/{id}, and draws the answers.
// The URL holds the state (?q=... or ?article=...#p<passage id>), so back, reload and
// shared links work. Text is only ever inserted as text nodes, never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const form = $("search"), box = $("q"), modeBox = $("mode"), kBox = $("k");
const statusLine = $("status"), list = $("results"), articleView = $("article");

function say(message, isError = false) {
  statusLine.textContent = message;
  statusLine.classList.toggle("error", isError);
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const child of children) if (child != null) node.append(child);
  return node;
}

async function getJSON(url) {
  const headers = {};
  const key = sessionStorage.getItem("newsdex-key");
  if (key) headers.Authorization = `Bearer ${key}`;
  const response = await fetch(url, { headers });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) $("keyform").hidden = false;
  if (!response.ok) throw new Error(body.detail || `${response.status} ${response.statusText}`);
  return body;
}

// Only web addresses become links. An index built before the loader dropped other schemes
// (or another server) may send a javascript: or data: url, and clicking it would run script
// in this page, which keeps the read key in sessionStorage.
function webLink(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;  // not an absolute URL at all
  }
}

function articleHref(result) {
  return `/?article=${encodeURIComponent(result.article_id)}#p${result.passage_id}`;
}

// The passage with its highlights: "sentence" spans become <mark>, "term" spans bold.
// Offsets count Unicode code points (Python's str), so index an array of code points.
function markedPassage(text, highlights) {
  const chars = Array.from(text);
  const cuts = new Set([0, chars.length]);
  for (const h of highlights) {
    cuts.add(Math.max(0, Math.min(h.start, chars.length)));
    cuts.add(Math.max(0, Math.min(h.end, chars.length)));
  }
  const points = [...cuts].sort((a, b) => a - b);
  const passage = el("p", { class: "passage" });
  let mark = null, markedBy = null;  // one <mark> per best sentence, query terms bold inside it
  for (let i = 0; i + 1 < points.length; i++) {
    const [start, end] = [points[i], points[i + 1]];
    const covering = highlights.filter((h) => h.start <= start && end <= h.end);
    let node = document.createTextNode(chars.slice(start, end).join(""));
    if (covering.some((h) => h.kind === "term")) node = el("span", { class: "term" }, node);
    const sentence = covering.find((h) => h.kind === "sentence") || null;
    if (sentence && sentence !== markedBy) {
      mark = el("mark");
      markedBy = sentence;
      passage.append(mark);
    }
    (sentence ? mark : passage).append(node);
    if (!sentence) markedBy = null;
  }
  return passage;
}

// A statement: its words as a quotation, with who said them and how ("told", "stressed").
function quotation(quote) {
  return el("figure", { class: "quote" },
    el("blockquote", { class: quote.kind }, quote.text),
    el("figcaption", {}, `— ${quote.speaker || "unnamed speaker"} (${quote.cue}, ${quote.kind})`));
}

function drawResults(data) {
  list.replaceChildren();
  for (const r of data.results) {
    const meta = [r.source, r.published && r.published.slice(0, 10)].filter(Boolean).join(" · ");
    list.append(el("li", { class: r.quote ? "result statement" : "result" },
      el("h2", {}, el("a", { href: articleHref(r) }, r.title)),
      el("p", { class: "meta" }, meta ? `${meta} · ` : "", el("span", { class: "score" }, `score ${r.score.toFixed(4)}`)),
      ...(r.quote ? [quotation(r.quote)] : []),
      markedPassage(r.text, r.highlights || [])));
  }
  const n = data.results.length;
  const who = data.speaker && data.speaker.statements ? ` (${data.speaker.speakers.join(", ")}’s statements first)` : "";
  const found = n ? `${n} result${n === 1 ? "" : "s"} for “${data.query}”${who}` : `No results for “${data.query}”`;
  const dates = datesRead(data.interpreted);
  say(dates ? `${found} · ${dates}` : found);
}

// The range read from a date phrase in the question, as `ask` prints it: "dates: 1963-11-01 to 1963-11-30".
function datesRead(interpreted) {
  if (!interpreted) return "";
  const { since, until, applied } = interpreted;
  const span = since && until ? (since === until ? since : `${since} to ${until}`)
    : since ? `since ${since}` : `until ${until}`;
  return `dates: ${span}` + (applied === false ? " (no article in that range: all dates searched)" : "");
}

async function runSearch(params) {
  articleView.hidden = true;
  list.hidden = false;
  box.value = params.get("q");
  if (params.get("mode")) modeBox.value = params.get("mode");
  if (params.get("k")) kBox.value = params.get("k");
  say("Searching…");
  try {
    drawResults(await getJSON(`/search?${params}`));
  } catch (error) {
    list.replaceChildren();
    say(error.message, true);
  }
}

async function showArticle(id) {
  list.hidden = true;
  list.replaceChildren();
  say("Loading the article…");
  try {
    const a = await getJSON(`/articles/${id.split("/").map(encodeURIComponent).join("/")}`);
    const target = a.passages.find((p) => `#p${p.id}` === location.hash);
    const meta = [a.author, a.source, a.published && a.published.slice(0, 10)].filter(Boolean).join(" · ");
    const back = el("a", { href: "#", id: "back" }, "← Back to results");
    back.addEventListener("click", (event) => { event.preventDefault(); history.back(); });
    const body = a.text.split(/\n\s*\n/).map((paragraph) => {
      const from = target && (target.text.includes(paragraph) || paragraph.includes(target.text.slice(0, 80)));
      return el("p", from ? { class: "from-passage" } : {}, paragraph);
    });
    const original = a.url && webLink(a.url);
    // replaceChildren writes a null as the text "null": leave out what the article lacks.
    articleView.replaceChildren(...[back, el("h2", {}, a.title), a.subtitle ? el("p", { class: "meta" }, a.subtitle) : null,
      el("p", { class: "meta" }, meta), ...body,
      original ? el("p", {}, el("a", { href: original, rel: "noopener noreferrer" }, "Original article")) : null]
      .filter((child) => child !== null));
    articleView.hidden = false;
    say(`Article: ${a.title}`);
    const first = articleView.querySelector(".from-passage");
    if (first) first.scrollIntoView({ block: "center" });
  } catch (error) {
    articleView.hidden = true;
    say(error.message, true);
  }
}

function route() {
  const params = new URLSearchParams(location.search);
  if (params.get("article")) return showArticle(params.get("article"));
  if (params.get("q")) return runSearch(params);
  list.replaceChildren();
  articleView.hidden = true;
  say("");
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const q = box.value.trim();
  if (!q) return say("Type a question first.", true);
  const params = new URLSearchParams({ q, mode: modeBox.value, k: kBox.value || "5" });
  history.pushState(null, "", `/?${params}`);
  runSearch(params);
});

$("keyform").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem("newsdex-key", $("key").value);
  $("keyform").hidden = true;
  route();
});

document.addEventListener("keydown", (event) => {
  const typing = ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement.tagName);
  if (event.key === "/" && !typing) {
    event.preventDefault();
    box.focus();
    box.select();
  }
});

window.addEventListener("popstate", route);
route();
