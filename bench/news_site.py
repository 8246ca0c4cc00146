"""A small news site on 127.0.0.1 for ingest's tests and bench (`NewsSite`): feeds (RSS with teasers,
Atom, RSS with full text), a news sitemap, pages with canonical links, and the pages that go wrong
(slow, 404, a redirect loop, huge, not HTML, forbidden by robots.txt). Every request is logged
with its headers, so a test can see which were conditional. Pages answer ETag and Last-Modified
and 304 to a matching conditional request, as real news sites do.
"""

from __future__ import annotations

import hashlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LAST_MODIFIED = "Mon, 06 Jan 2025 10:00:00 GMT"

PARAGRAPH = ("The harbour authority said on Monday that the new breakwater in {place} would protect the fishing "
             "fleet from winter storms, after three seasons in which boats were lost at their moorings. "
             "Engineers expect the work to take eighteen months and to employ about two hundred people. ")


def article_page(number: int, *, canonical: str | None) -> str:
    place = ["Aberdeen", "Bergen", "Cork", "Dundee", "Esbjerg", "Faro", "Gdansk", "Hull"][number % 8]
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    body = "".join(f"<p>{PARAGRAPH.format(place=place)} Paragraph {n} of story {number}.</p>" for n in range(4))
    return (f"<!doctype html><html><head><title>Breakwater {number} for {place}</title>{link}"
            f'<meta name="author" content="Ann Reporter"><meta property="article:published_time" '
            f'content="2025-01-0{1 + number % 9}T08:00:00Z"><meta property="og:site_name" content="Harbour News">'
            f"</head><body><nav>Home | World | Sport</nav><article><h1>Breakwater {number} for {place}</h1>{body}"
            f"</article><footer>Copyright Harbour News</footer></body></html>")


class NewsSite:
    """Start with `with NewsSite(stories=3) as site:`; `site.base` is its address, `site.log` the requests."""

    def __init__(self, stories: int = 3, slow_seconds: float = 3.0, huge_bytes: int = 6_000_000) -> None:
        self.stories = stories
        self.slow_seconds = slow_seconds
        self.huge_bytes = huge_bytes
        self.log: list[tuple[str, dict[str, str]]] = []
        self.changed: set[int] = set()  # stories whose text has been changed since the start
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> NewsSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def requests_to(self, path: str) -> list[dict[str, str]]:
        return [headers for asked, headers in self.log if asked == path]

    # -- what it serves -----------------------------------------------------------------------

    def story_path(self, number: int) -> str:
        return f"/news/story-{number}.html"

    def routes(self) -> dict[str, tuple[str, str]]:
        """path -> (content type, body) of every fixed resource."""
        base = self.base
        teaser_items = "".join(
            f"<item><title>Breakwater {n}</title><link>{base}{self.story_path(n)}?utm_source=rss&amp;utm_medium=feed"
            f"</link><guid>{base}{self.story_path(n)}</guid><pubDate>Mon, 0{1 + n % 9} Jan 2025 08:00:00 GMT</pubDate>"
            "<description>A short teaser.</description></item>" for n in range(self.stories))
        bad_items = "".join(f"<item><title>{name}</title><link>{base}{path}</link></item>" for name, path in (
            ("slow", "/slow.html"), ("missing", "/missing.html"), ("loop", "/loop/a"), ("huge", "/huge.html"),
            ("not html", "/report.pdf"), ("private", "/private/secret.html")))
        rss = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour News</title><link>{base}/</link>'
               f"{teaser_items}{bad_items}</channel></rss>")
        full_text = "".join(f"<p>{PARAGRAPH.format(place='Tromso')} Full-text part {n}.</p>" for n in range(4))
        full = ('<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
                "<channel><title>Harbour Wire</title>"
                f"<item><title>Tromso gets a breakwater</title><link>{base}/wire/tromso.html</link>"
                "<pubDate>Tue, 07 Jan 2025 09:00:00 GMT</pubDate><author>wire@example.org (Wire Desk)</author>"
                f"<content:encoded><![CDATA[{full_text}]]></content:encoded></item></channel></rss>")
        atom = ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
                f"<title>Harbour News (Atom)</title><id>{base}/atom</id><updated>2025-01-06T10:00:00Z</updated>"
                f'<entry><title>Breakwater 0</title><link rel="alternate" href="{base}/amp/story-0.html"/>'
                f"<id>{base}/amp/story-0.html</id><updated>2025-01-01T08:00:00Z</updated></entry></feed>")
        sitemap = ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
                   ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
                   + "".join(f"<url><loc>{base}{self.story_path(n)}</loc><news:news><news:publication>"
                             "<news:name>Harbour News</news:name><news:language>en</news:language>"
                             f"</news:publication><news:publication_date>2025-01-0{1 + n % 9}</news:publication_date>"
                             f"<news:title>Breakwater {n}</news:title></news:news></url>"
                             for n in range(self.stories)) + "</urlset>")
        found = {
            "/robots.txt": ("text/plain", "User-agent: *\nDisallow: /private/\n"),
            "/feed.rss": ("application/rss+xml", rss),
            "/full.rss": ("application/rss+xml", full),
            "/atom.xml": ("application/atom+xml", atom),
            "/sitemap.xml": ("application/xml", sitemap),
            "/report.pdf": ("application/pdf", "%PDF-1.4 not really"),
            "/private/secret.html": ("text/html", article_page(99, canonical=None)),
            # The AMP copy of story 0 names the story's own address as canonical.
            "/amp/story-0.html": ("text/html", article_page(0, canonical=f"{base}{self.story_path(0)}")),
        }
        for n in range(self.stories):
            page = article_page(n, canonical=f"{base}{self.story_path(n)}")
            if n in self.changed:
                page = page.replace("Paragraph 0", "Corrected: paragraph 0")
            found[self.story_path(n)] = ("text/html; charset=utf-8", page)
        return found

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet: the log is site.log
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                path = self.path.split("?")[0]
                site.log.append((path, {k.lower(): v for k, v in self.headers.items()}))
                if path == "/slow.html":
                    time.sleep(site.slow_seconds)
                    return self._send(200, "text/html", article_page(50, canonical=None).encode())
                if path.startswith("/loop/"):
                    self.send_response(302)
                    self.send_header("Location", "/loop/b" if path == "/loop/a" else "/loop/a")
                    self.end_headers()
                    return None
                if path == "/huge.html":
                    huge = b"<html><body><p>" + b"x" * site.huge_bytes + b"</p></body></html>"
                    return self._send(200, "text/html", huge)
                routes = site.routes()
                if path not in routes:
                    return self._send(404, "text/html", b"<html><body>not here</body></html>")
                kind, text = routes[path]
                body = text.encode("utf-8")
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return None
                return self._send(200, kind, body, etag)

            def _send(self, status: int, kind: str, body: bytes, etag: str | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                if etag:
                    self.send_header("ETag", etag)
                    self.send_header("Last-Modified", LAST_MODIFIED)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # a client that gave up (the size limit)
                    pass

        return Handler
