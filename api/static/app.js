// The search page: asks GET /search and GET /articles/{id}, and draws the answers.
// The URL holds the state (?q=... or ?article=...#p<passage id>), so back, reload and
// shared links work. Text is only ever inserted as text nodes, never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const form = $("search"), box = $("q"), modeBox = $("mode"), kBox = $("k");
const statusLine = $("status"), list = $("results"), articleView = $("article"), personView = $("person");
const more = $("more"), exportBar = $("export");

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

// A statement: its words as a quotation, with who said them and how ("told", "stressed");
// the speaker's name leads to their page.
function quotation(quote) {
  const who = quote.speaker
    ? el("a", { href: `/?person=${encodeURIComponent(quote.speaker)}`, class: "person" }, quote.speaker)
    : "unnamed speaker";
  return el("figure", { class: "quote" },
    el("blockquote", { class: quote.kind }, quote.text),
    el("figcaption", {}, "— ", who, ` (${quote.cue}, ${quote.kind})`));
}

// How well a result answers, in words and as a bar (the calibrated relevance, 0-1), never the
// raw ranking score; lexical mode has no relevance, so only the words "ranked by words" show.
function relevanceBadge(r) {
  if (r.relevance == null) return el("span", { class: "relevance" }, "ranked by words");
  const bar = el("span", { class: "bar", "aria-hidden": "true" }, el("span", { style: `width:${Math.round(r.relevance * 100)}%` }));
  return el("span", { class: "relevance", title: `relevance ${(Math.floor(r.relevance * 100) / 100).toFixed(2)}` }, bar, r.match);
}

let current = null;  // the search being shown: {params, entries: Map article id -> entry, weak, shown}

// One article, one entry: a result whose article is shown already joins that entry as another
// of its passages; copies of a passage in other articles are listed as "also in".
function addResult(r) {
  let entry = current.entries.get(r.article_id);
  if (!entry) {
    const meta = [r.source, r.published && r.published.slice(0, 10)].filter(Boolean).join(" · ");
    entry = el("li", { class: "result", "data-article": r.article_id },
      el("h2", {}, el("a", { href: articleHref(r) }, r.title)),
      el("p", { class: "meta" }, meta ? `${meta} · ` : "", relevanceBadge(r)));
    current.entries.set(r.article_id, entry);
    list.append(entry);
  }
  const passage = el("div", { class: r.quote ? "hit statement" : "hit", "data-rank": String(r.rank) },
    ...(r.quote ? [quotation(r.quote)] : []), markedPassage(r.text, r.highlights || []));
  if (r.also_in && r.also_in.length) {
    passage.append(el("p", { class: "also" }, "also in: ",
      ...r.also_in.flatMap((id, i) => [i ? ", " : "", el("a", { href: `/?article=${encodeURIComponent(id)}` }, id)])));
  }
  entry.append(passage);
  if (r.quote) entry.classList.add("statement");
  // An entry is a weak match when every passage in it is (below the floor, as the API's match says).
  entry.allWeak = (entry.allWeak ?? true) && r.match === "weak match";
  entry.classList.toggle("weak", entry.allWeak);
  current.shown += 1;
}

function drawResults(data, append = false) {
  if (!append) {
    list.replaceChildren();
    current.entries = new Map();
    current.shown = 0;
    $("note").hidden = !data.note;
    $("note").textContent = data.note || "";
    drawFacets(data);
  }
  for (const r of data.results) addResult(r);
  more.hidden = data.next_offset == null;
  more.dataset.offset = data.next_offset == null ? "" : String(data.next_offset);
  exportBar.hidden = !current.shown;
  const n = current.entries.size;
  const who = data.speaker && data.speaker.statements ? ` (${data.speaker.speakers.join(", ")}’s statements first)` : "";
  const found = n ? `${n} article${n === 1 ? "" : "s"}, ${current.shown} result${current.shown === 1 ? "" : "s"} for “${data.query}”${who}`
    : `No results for “${data.query}”`;
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

// The last day of a YYYY-MM month, for a month facet's until.
function monthEnd(month) {
  const [y, m] = month.split("-").map(Number);
  return `${month}-${String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, "0")}`;
}

const FACET_FILTER = { source: "source", speaker: "speaker", lang: "lang" };
const FACET_LABEL = { source: "Sources", speaker: "People quoted", lang: "Languages", month: "Months" };

// Facets: each value a link that narrows the search to it; months as a histogram; the
// filters in force each with a link that lifts it.
function drawFacets(data) {
  const box = $("facets");
  box.replaceChildren();
  const params = current.params;
  const link = (changes, ...children) => {
    const next = new URLSearchParams(params);
    next.delete("offset");
    for (const [name, value] of Object.entries(changes)) value == null ? next.delete(name) : next.set(name, value);
    return el("a", { href: `/?${next}` }, ...children);
  };
  const active = ["source", "speaker", "lang", "since", "until"].filter((name) => params.get(name));
  if (active.length) {
    box.append(el("p", { class: "active" }, "Narrowed to: ",
      ...active.flatMap((name) => [link({ [name]: null }, `${name} ${params.get(name)} ×`), " "])));
  }
  for (const [name, counts] of Object.entries(data.facets || {})) {
    if (!counts.length) continue;
    if (name === "month") {
      const most = Math.max(...counts.map((c) => c.count));
      box.append(el("section", { class: "facet months", "data-facet": "month" }, el("h3", {}, FACET_LABEL.month),
        el("div", { class: "histogram" }, ...counts.map((c) => link({ since: `${c.value}-01`, until: monthEnd(c.value) },
          el("span", { class: "column", style: `height:${Math.max(8, Math.round(60 * c.count / most))}px` }),
          el("span", { class: "label" }, `${c.value} (${c.count})`))))));
      continue;
    }
    box.append(el("section", { class: "facet", "data-facet": name }, el("h3", {}, FACET_LABEL[name] || name),
      el("ul", {}, ...counts.slice(0, 8).map((c) => el("li", {}, link({ [FACET_FILTER[name]]: c.value }, c.value),
        el("span", { class: "count" }, ` ${c.count}`))))));
  }
  box.hidden = !box.children.length;
}

async function runSearch(params) {
  articleView.hidden = true;
  personView.hidden = true;
  list.hidden = false;
  box.value = params.get("q");
  if (params.get("mode")) modeBox.value = params.get("mode");
  if (params.get("k")) kBox.value = params.get("k");
  current = { params, entries: new Map(), shown: 0 };
  say("Searching…");
  try {
    drawResults(await getJSON(`/search?${searchQuery(params)}`));
  } catch (error) {
    list.replaceChildren();
    $("facets").hidden = true;
    $("note").hidden = true;
    more.hidden = true;
    say(error.message, true);
  }
}

// What the page asks of /search: the URL's search, with facets, and an article's passages grouped.
function searchQuery(params, offset = 0) {
  const asked = new URLSearchParams(params);
  if (!asked.has("per_article")) asked.set("per_article", "3");
  asked.set("facets", "source,month,speaker,lang");
  if (offset) asked.set("offset", String(offset));
  return asked;
}

async function showMore() {
  const offset = Number(more.dataset.offset);
  more.disabled = true;
  try {
    drawResults(await getJSON(`/search?${searchQuery(current.params, offset)}`), true);
  } catch (error) {
    say(error.message, true);
  } finally {
    more.disabled = false;
  }
}

// A download of what is shown, fetched with the read key when there is one (a plain link could not send it).
async function download(url, name) {
  const headers = {};
  const key = sessionStorage.getItem("newsdex-key");
  if (key) headers.Authorization = `Bearer ${key}`;
  try {
    const response = await fetch(url, { headers });
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    const link = el("a", { href: URL.createObjectURL(await response.blob()), download: name });
    document.body.append(link);
    link.click();
    link.remove();
  } catch (error) {
    say(`Download failed: ${error.message}`, true);
  }
}

function exportSearch(format) {
  const asked = searchQuery(current.params);
  asked.delete("facets");
  asked.set("k", String(Math.min(100, Math.max(current.shown, Number(asked.get("k") || 5)))));
  asked.set("format", format);
  return download(`/search?${asked}`, `newsdex-search.${format}`);
}

// A person's page: every statement, newest first, grouped by month, or those answering a question.
async function showPerson(name, q, offset = 0) {
  articleView.hidden = true;
  list.hidden = true;
  list.replaceChildren();
  $("facets").hidden = true;
  $("note").hidden = true;
  more.hidden = true;
  exportBar.hidden = true;
  say("Loading their statements…");
  const asked = new URLSearchParams({ limit: "20" });
  if (q) asked.set("q", q);
  if (offset) asked.set("offset", String(offset));
  const path = `/people/${encodeURIComponent(name)}`;
  try {
    const p = await getJSON(`${path}?${asked}`);
    if (!offset) {
      const within = el("form", { id: "within", role: "search" },
        el("label", { for: "pq" }, `Search ${p.name || name}’s statements`),
        el("div", { class: "row" }, el("input", { id: "pq", type: "search", value: q || "", maxlength: "1000" }),
          el("button", { type: "submit" }, "Search")));
      within.addEventListener("submit", (event) => {
        event.preventDefault();
        const next = new URLSearchParams({ person: name });
        const words = $("pq").value.trim();
        if (words) next.set("pq", words);
        history.pushState(null, "", `/?${next}`);
        route();
      });
      const csv = el("button", { type: "button", class: "secondary", id: "person-csv" }, "Download CSV");
      csv.addEventListener("click", () => {
        const all = new URLSearchParams(asked);
        all.delete("offset");
        all.set("limit", "100");
        all.set("format", "csv");
        download(`${path}?${all}`, "newsdex-person.csv");
      });
      personView.replaceChildren(el("h2", {}, p.name || name),
        el("p", { class: "meta" }, [`${p.statements} statement${p.statements === 1 ? "" : "s"}`,
          p.forms.length ? `also named: ${p.forms.join(", ")}` : ""].filter(Boolean).join(" · ")),
        within, el("p", {}, csv), el("div", { id: "months" }));
    }
    const months = $("months");
    for (const group of p.months) {
      let section = months.querySelector(`section[data-month="${group.month}"]`);
      if (!section) {
        section = el("section", { class: "month", "data-month": group.month }, el("h3", {}, group.month), el("ol", { class: "quotes" }));
        months.append(section);
      }
      for (const quote of group.quotes) {
        const meta = [quote.source, quote.published && quote.published.slice(0, 10)].filter(Boolean).join(" · ");
        section.querySelector("ol").append(el("li", { class: "result statement" },
          quotation(quote),
          el("p", { class: "meta" }, el("a", { href: articleHref({ article_id: quote.article_id, passage_id: quote.passage_id }) }, quote.title),
            meta ? ` · ${meta}` : "")));
      }
    }
    const old = $("person-more");
    if (old) old.remove();
    if (p.next_offset != null) {
      const next = el("button", { type: "button", id: "person-more", class: "secondary" }, "More statements");
      next.addEventListener("click", () => showPerson(name, q, p.next_offset));
      personView.append(next);
    }
    personView.hidden = false;
    const shown = months.querySelectorAll("li").length;
    say(p.name ? `${p.name}: ${shown} of ${p.statements} statements${q ? ` (best first for “${q}”)` : ", newest first"}`
      : `Nobody named “${name}” is quoted in the archive`);
  } catch (error) {
    personView.hidden = true;
    say(error.message, true);
  }
}

async function showArticle(id) {
  list.hidden = true;
  list.replaceChildren();
  for (const id of ["facets", "note", "more", "export", "person"]) $(id).hidden = true;
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
  if (params.get("person")) return showPerson(params.get("person"), params.get("pq"));
  if (params.get("q")) return runSearch(params);
  list.replaceChildren();
  for (const id of ["facets", "note", "more", "export", "person", "article"]) $(id).hidden = true;
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

more.addEventListener("click", showMore);
for (const button of exportBar.querySelectorAll("button")) {
  button.addEventListener("click", () => exportSearch(button.dataset.format));
}

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
