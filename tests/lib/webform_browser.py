#!/usr/bin/python3
"""webform_browser.py — drives hcbus-report's form in headless Chromium as a health worker
would on a phone (test_webform_browser.sh runs it; see docs/report.md "End-to-end tests").

Debian's chromium through chromium-driver (/usr/bin/chromedriver) and python3-selenium,
never a downloaded driver; the page's JavaScript is DISABLED in the profile (the form must
work without it); a 360x740 phone screen (mobile emulation: the viewport meta counts).
Selenium itself reaches the page through the DevTools protocol, which the setting does
not stop, so the checks below may still measure the page.

  webform_browser.py report  --url URL --out DIR --photo FILE ...   # fill and send, print the receipt
  webform_browser.py answer  --url URL --out DIR --receipt R --question Q --answer A
  webform_browser.py english --url URL --out DIR

Every page visited is checked (a check that fails prints "FAIL: ..." and exits 1):
a full-page screenshot DIR/NN-name.png; the document's bytes (< 30 KB, as received on the
network); the layout no wider than the screen (no horizontal scrolling at 360 px); every
control labelled (one folded in a closed <details> too); no <script>; the html lang; no cookie in the browser and no
Set-Cookie in any response. The result is one JSON object on stdout: what was read (the
receipt...), the pages (name, bytes, width), the time the browser took and how much a
person types and chooses (typed characters, choices, pages read).
"""
import argparse
import base64
import json
import math
import os
import re
import signal
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

PAGE_MAX_BYTES = 30 * 1024
# A person on a phone (--human; the test prints the same model as an estimate):
HUMAN_CHARS_PER_S = 2.5      # thumbs on a phone keyboard
HUMAN_CHOICE_S = 3.0         # finding and tapping one choice, link or button
HUMAN_PAGE_S = 4.0           # taking in a new page
HUMAN_SCREEN_S = 1.0         # scrolling through each further screen of it
SCREEN_W, SCREEN_H = 360, 740
RECEIPT_RE = re.compile(r"\b([0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4})\b")


# Run by the test through DevTools (not by the page, whose scripts are off).
UNLABELLED_JS = """
return Array.from(document.querySelectorAll('input, select, textarea')).filter(el => {
  const t = (el.getAttribute('type') || '').toLowerCase();
  if (['hidden', 'submit', 'button', 'reset', 'image'].includes(t)) return false;
  if (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')) return false;
  // Inside a closed <details> (step 2's folded groups) nothing is rendered, so innerText
  // is empty: the label's words are its text, shown when the group opens.
  const folded = el.closest('details:not([open])') !== null;
  return !Array.from(el.labels || []).some(l => (folded ? l.textContent : l.innerText).trim() !== '');
}).map(el => el.tagName.toLowerCase() + '[name=' + el.name + '][type=' + (el.type || '') + ']');
"""


class Fail(Exception):
    pass


CHECKS = 0


def check(cond, what):
    global CHECKS
    CHECKS += 1
    if not cond:
        raise Fail(what)


class Phone:
    """One browser session: a phone with JavaScript off; every page visited is checked."""

    def __init__(self, args, session):
        self.args = args
        self.session = session
        self.pages = []
        self.typed = 0
        self.choices = 0
        self.human = args.human
        os.makedirs(args.out, exist_ok=True)
        os.makedirs(args.work, exist_ok=True)
        profile = os.path.join(args.work, "chromium-" + session)
        o = webdriver.ChromeOptions()
        o.binary_location = args.chromium
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--lang=es-419", "--user-data-dir=" + profile):
            o.add_argument(a)
        o.add_experimental_option("prefs", {
            "profile.managed_default_content_settings.javascript": 2,   # page scripts: blocked
            "intl.accept_languages": "es-419,es",
        })
        o.set_capability("goog:loggingPrefs", {"performance": "ALL"})
        # An explicit driver path: selenium never looks for (or downloads) another.
        service = Service(executable_path=args.chromedriver,
                          log_path=os.path.join(args.work, "chromedriver-" + session + ".log"))
        self.d = webdriver.Chrome(service=service, options=o)
        self.d.set_page_load_timeout(30)
        # A phone's screen, through DevTools: chromedriver's own mobileEmulation also
        # emulates touch, and its taps hang when the page's JavaScript is off.
        self.d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": SCREEN_W, "height": SCREEN_H, "deviceScaleFactor": 1, "mobile": True})
        self._js_is_off()

    def quit(self):
        try:
            self.d.quit()
        except WebDriverException:
            pass

    def _js_is_off(self):
        """The profile really blocks page scripts: a page whose script renames it keeps its name."""
        html = "<!doctype html><title>sin-js</title><script>document.title='con-js'</script>"
        self.d.get("data:text/html;charset=utf-8," + html)
        check(self.d.title == "sin-js", "JavaScript is not disabled in the browser profile")
        self.d.get_log("performance")   # drop this page's network events

    # ---- every page ------------------------------------------------------------------
    def _network(self):
        """The documents received since the last call: (url, status, body bytes, headers)."""
        docs, raw_headers = {}, {}
        for entry in self.d.get_log("performance"):
            m = json.loads(entry["message"])["message"]
            p = m.get("params", {})
            rid = p.get("requestId")
            if m["method"] == "Network.responseReceived" and p.get("type") == "Document":
                r = p["response"]
                docs[rid] = {"url": r["url"], "status": r["status"], "headers": r.get("headers", {}),
                             "header_bytes": r.get("encodedDataLength", 0), "bytes": None}
            elif m["method"] == "Network.responseReceivedExtraInfo":
                raw_headers[rid] = p.get("headers", {})
            elif m["method"] == "Network.loadingFinished" and rid in docs:
                docs[rid]["bytes"] = p["encodedDataLength"] - docs[rid]["header_bytes"]
        out = []
        for rid, doc in docs.items():
            headers = {k.lower(): v for k, v in doc["headers"].items()}
            headers.update({k.lower(): v for k, v in raw_headers.get(rid, {}).items()})
            doc["headers"] = headers
            out.append(doc)
        return out

    def _choice(self):
        self.choices += 1
        if self.human:
            time.sleep(HUMAN_CHOICE_S)

    def page(self, name, loaded=True):
        """Check the page now shown and keep its screenshot as DIR/NN-name.png. loaded:
        a new document came (False: the same page, filled in)."""
        d = self.d
        n = len(self.pages) + 1
        docs = self._network()
        if loaded:
            check(docs, f"{name}: no document was received (did the form submit?)")
            self.doc = docs[-1]
        else:
            check(not docs, f"{name}: a new document arrived while filling in the form")
        doc = self.doc
        src = d.page_source
        size = doc["bytes"] if doc["bytes"] is not None else len(src.encode())
        check(size < PAGE_MAX_BYTES, f"{name}: the page is {size} bytes (limit {PAGE_MAX_BYTES})")
        check("set-cookie" not in doc["headers"], f"{name}: the response sets a cookie: {doc['headers'].get('set-cookie')}")
        check(not d.get_cookies(), f"{name}: the browser holds cookies: {d.get_cookies()}")
        check("content-security-policy" in doc["headers"], f"{name}: no Content-Security-Policy header")
        check(not d.find_elements(By.TAG_NAME, "script"), f"{name}: the page has a <script>")
        lang = d.find_element(By.TAG_NAME, "html").get_attribute("lang") or ""
        check(lang.startswith(self.args.lang), f"{name}: <html lang=\"{lang}\">, expected {self.args.lang}")
        self._labels(name)
        # Horizontal scrolling: on a phone the layout viewport grows to fit wide content
        # (so innerWidth would grow too); the content must fit in 360 CSS pixels.
        m = d.execute_cdp_cmd("Page.getLayoutMetrics", {})
        width = m["cssContentSize"]["width"]
        height = m["cssContentSize"]["height"]
        check(width <= SCREEN_W and m["cssLayoutViewport"]["clientWidth"] <= SCREEN_W,
              f"{name}: the page is {width} px wide on a {SCREEN_W} px screen (horizontal scrolling)")
        scroll_w, inner_w = d.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]")
        check(scroll_w <= inner_w <= SCREEN_W,
              f"{name}: scrollWidth {scroll_w} > innerWidth {inner_w} (horizontal scrolling)")
        shot = d.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": SCREEN_W, "height": max(height, SCREEN_H), "scale": 1}})
        path = os.path.join(self.args.out, f"{self.session}-{n:02d}-{name}.png")
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        if self.human and loaded:
            time.sleep(HUMAN_PAGE_S + HUMAN_SCREEN_S * (math.ceil(max(height, SCREEN_H) / SCREEN_H) - 1))
        self.pages.append({"name": name, "status": doc["status"], "bytes": size, "width": width,
                           "height": height, "screenshot": os.path.basename(path)})
        return src

    def _labels(self, name):
        """Every visible form control has a label: <label for=id> or a wrapping <label> with
        words in it (the DOM's control.labels), or aria-label(ledby)."""
        unlabelled = self.d.execute_script(UNLABELLED_JS)
        check(not unlabelled, f"{name}: controls without a label: {unlabelled}")

    # ---- what a person does ------------------------------------------------------------
    def open(self, path, name):
        self.d.get(self.args.url + path)
        return self.page(name)

    def follow(self, href_part, name):
        """Tap the link whose address contains href_part."""
        links = [a for a in self.d.find_elements(By.TAG_NAME, "a") if href_part in (a.get_attribute("href") or "")]
        check(links, f"no link to {href_part} on the page")
        self._choice()
        links[0].click()
        return self.page(name)

    def type(self, name, text, clear=True):
        el = self.field(name)
        if clear:
            el.clear()
        if self.human:
            for ch in text:
                el.send_keys(ch)
                time.sleep(1 / HUMAN_CHARS_PER_S)
        else:
            el.send_keys(text)
        self.typed += len(text)
        return el

    def field(self, name):
        els = [e for e in self.d.find_elements(By.NAME, name) if e.get_attribute("type") != "hidden"]
        check(els, f"no field name=\"{name}\" on the page")
        return els[0]

    def choose(self, name, value):
        """Pick value in field name, as a person would: a <select>'s option, or the label of a radio."""
        els = [e for e in self.d.find_elements(By.NAME, name) if e.get_attribute("type") != "hidden"]
        check(els, f"no field name=\"{name}\" to choose {value} in")
        self._choice()
        if els[0].tag_name == "select":
            Select(els[0]).select_by_value(value)
            return
        radio = [e for e in els if e.get_attribute("value") == value]
        check(radio, f"no choice value=\"{value}\" for \"{name}\" (have: {[e.get_attribute('value') for e in els]})")
        self._unfold(radio[0])
        self._tap_label(radio[0])
        check(radio[0].is_selected(), f"tapping the label of {name}={value} did not select it")

    def choose_label(self, name, text):
        """Pick the radio of field name whose label shows text; returns its value."""
        for e in self.d.find_elements(By.NAME, name):
            if e.get_attribute("type") == "radio" and text in self._label_text(e):
                self._choice()
                self._tap_label(e)
                check(e.is_selected(), f"tapping the label \"{text}\" did not select it")
                return e.get_attribute("value")
        raise Fail(f"no choice labelled \"{text}\" for \"{name}\" (have: "
                   f"{[self._label_text(e) for e in self.d.find_elements(By.NAME, name)]})")

    def _unfold(self, el):
        """A choice inside a closed <details> (step 2's groups of acts): tap its summary,
        as a person taps the group's heading, then the choice shows."""
        summary = self.d.execute_script(
            "const g = arguments[0].closest('details');"
            "return g && !g.open ? g.querySelector('summary') : null", el)
        if summary is None:
            return
        self._choice()
        summary.click()
        check(el.is_displayed(), "tapping the group's heading did not show its choices")

    def _label_text(self, el):
        return self.d.execute_script(
            "return Array.from(arguments[0].labels || []).map(l => l.innerText).join(' ')", el)

    def _tap_label(self, el):
        """A person taps the words, not the tiny circle: the label must select the control."""
        labels = self.d.execute_script("return Array.from(arguments[0].labels || [])", el)
        (labels[0] if labels else el).click()   # chromedriver scrolls it into view first

    def submit(self, action, name):
        """Tap the send button of the form posting to action (a path), then check the new page."""
        forms = [f for f in self.d.find_elements(By.TAG_NAME, "form")
                 if (f.get_attribute("action") or "").split("?")[0].endswith(action)]
        check(forms, f"no form posting to {action} on the page")
        buttons = forms[0].find_elements(By.CSS_SELECTOR, "button:not([type=button]):not([type=reset]), input[type=submit]")
        check(buttons, f"the form posting to {action} has no send button")
        old = self.d.find_element(By.TAG_NAME, "html")
        self._choice()
        buttons[-1].click()
        WebDriverWait(self.d, 30).until(lambda d: _stale(old))
        return self.page(name)

    def text(self):
        return self.d.find_element(By.TAG_NAME, "body").text


def _stale(el):
    try:
        el.tag_name
        return False
    except WebDriverException:
        return True


# ---- the flows -------------------------------------------------------------------------
def flow_report(ph, a):
    """Home -> report -> department + typed place -> pick it -> the report -> send -> receipt."""
    ph.open("/", "inicio")
    ph.follow("/reporte", "reporte-donde")
    ph.choose("departamento", a.department)
    ph.type("lugar", a.place_typed)
    ph.submit("/reporte/lugar", "reporte-lugares")
    zone = ph.choose_label("zona", a.place_label)
    check(zone == a.place_zone, f"the place labelled {a.place_label} is zone {zone}, expected {a.place_zone}")
    ph.choose("que", a.what)
    ph.choose("a_quien", a.whom)
    ph.choose("cuando", a.when)
    ph.choose("gravedad", a.severity)
    for field, value in (("muertos", a.killed), ("heridos", a.injured), ("secuestrados", a.removed)):
        if value:
            ph.type(field, value)
    ph.type("relato", a.description)
    photo = ph.field("foto")
    check(photo.get_attribute("type") == "file", "the photo field is not a file input")
    photo.send_keys(os.path.abspath(a.photo))
    ph._choice()
    warn = ph.text().lower()
    check(any(w in warn for w in ("identific", "identify")), "step 2 does not warn that a photo may identify its author")
    ph.page("reporte-lleno", loaded=False)
    src = ph.submit("/reporte/enviar", "enviado")
    found = RECEIPT_RE.findall(ph.text())
    check(found, f"no receipt (XXXX-XXXX-XXXX-XXXX) on the page after sending: {ph.text()[:400]!r}")
    check(len(set(found)) == 1, f"more than one receipt on the page: {found}")
    check('name="zona"' not in src, "the page after sending is the form again (an error?)")
    # To be written down without mistakes, the receipt shows whole on one line of the phone.
    shown = ph.d.find_elements(By.XPATH, f"//*[normalize-space(text())='{found[0]}']")
    check(shown, f"the receipt {found[0]} is not an element's whole text")
    lines = ph.d.execute_script(
        "const r = document.createRange(); r.selectNodeContents(arguments[0]);"
        "return new Set(Array.from(r.getClientRects()).map(x => Math.round(x.top))).size", shown[0])
    check(lines == 1, f"the receipt is cut over {lines} lines on a {SCREEN_W}-px screen")
    return {"receipt": found[0], "zone": zone}


def flow_answer(ph, a):
    """Home -> "I have a receipt" -> type it (as written down) -> the question -> answer it."""
    ph.open("/", "inicio")
    ph.follow("/recibo", "recibo")
    ph.type("recibo", a.receipt)
    ph.submit("/recibo", "conversacion")
    body = ph.text()
    check(a.question in body, f"the facilitator's question is not on the page: {body[:600]!r}")
    # The language switch keeps the conversation open (a POST carrying the receipt, which
    # never appears in an address), in English, and back. Not what a reporter does on the
    # way: these pages ("idioma") and taps stay out of the person's time.
    for lang, name in (("en", "conversation-idioma-en"), ("es", "conversacion-idioma-es")):
        switch = ph.d.find_elements(By.CSS_SELECTOR, "header form.idioma button")
        check(switch, "the conversation page has no language switch form in its header")
        old = ph.d.find_element(By.TAG_NAME, "html")
        a.lang = lang
        switch[0].click()
        WebDriverWait(ph.d, 30).until(lambda d: _stale(old))
        ph.page(name)
        check(a.question in ph.text(), f"after switching to {lang} the question is not shown: {ph.text()[:600]!r}")
        check(a.receipt.replace(" ", "").upper() not in ph.d.current_url.replace("-", "").upper(),
              f"the receipt is in the address: {ph.d.current_url}")
        check(ph.d.find_elements(By.NAME, "respuesta"), f"after switching to {lang} the answer field is gone")
    ph.type("respuesta", a.answer)
    ph.page("respuesta-escrita", loaded=False)
    ph.submit("/recibo/responder", "respondido")
    body = ph.text()
    check(a.answer in body, f"the answer is not on the page after answering: {body[:600]!r}")
    check(not ph.d.find_elements(By.NAME, "respuesta"), "the answered question still offers an answer field")
    return {"question_seen": True, "answer_seen": True}


def flow_english(ph, a):
    """The language switch: home in Spanish, tap English, and the report form stays English."""
    a.lang = "es"
    ph.open("/", "inicio-es")
    es = ph.text()
    a.lang = "en"
    ph.follow("lang=en", "home-en")
    en = ph.text()
    check(en != es, "the English home page is the same as the Spanish one")
    check("report" in en.lower(), f"the English home page does not say 'report': {en[:300]!r}")
    ph.follow("/reporte", "report-where-en")
    lang_fields = [e.get_attribute("value") for e in ph.d.find_elements(By.NAME, "lang")]
    check("en" in lang_fields, f"the English report form does not carry lang=en (lang fields: {lang_fields})")
    ph.choose("departamento", a.department)
    ph.type("lugar", a.place_typed)
    ph.submit("/reporte/lugar", "report-places-en")
    check(ph.d.find_element(By.TAG_NAME, "html").get_attribute("lang").startswith("en"),
          "step 2 went back to Spanish after the search")
    ph.submit("/reporte/enviar", "report-errors-en")   # nothing chosen: the errors, in English
    check('name="zona"' in ph.d.page_source, "sending an empty report did not show the form again")
    return {"english": True}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("flow", choices=("report", "answer", "english"))
    p.add_argument("--url", required=True)
    p.add_argument("--out", required=True, help="screenshots go here")
    p.add_argument("--work", required=True, help="browser profiles and driver logs")
    p.add_argument("--chromium", default="/usr/bin/chromium")
    p.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    p.add_argument("--lang", default="es")
    p.add_argument("--human", action="store_true",
                   help="go at a person's pace (typing, choosing, reading): seconds is then their time")
    p.add_argument("--department", default="SS")
    p.add_argument("--place-typed", default="san martin")
    p.add_argument("--place-label", default="San Martín")
    p.add_argument("--place-zone", default="sv.ss.san-salvador-este.san-martin")
    p.add_argument("--what", default="threat")
    p.add_argument("--whom", default="personnel")
    p.add_argument("--when", default="ayer")
    p.add_argument("--severity", default="high")
    p.add_argument("--killed", default="")
    p.add_argument("--injured", default="1")
    p.add_argument("--removed", default="")
    p.add_argument("--description", default="")
    p.add_argument("--photo")
    p.add_argument("--receipt")
    p.add_argument("--question")
    p.add_argument("--answer")
    a = p.parse_args()
    # Stopped from outside (the test's timeout): quit the browser on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    flows = {"report": flow_report, "answer": flow_answer, "english": flow_english}
    ph = None
    started = time.monotonic()
    try:
        ph = Phone(a, a.flow)
        started = time.monotonic()
        result = flows[a.flow](ph, a)
        result.update({"flow": a.flow, "seconds": round(time.monotonic() - started, 2), "checks": CHECKS,
                       "typed_chars": ph.typed, "choices": ph.choices, "pages": ph.pages})
        print(json.dumps(result, ensure_ascii=False))
        return 0
    except (Fail, WebDriverException) as e:
        print(f"FAIL: {e}", file=sys.stderr)
        if ph is not None:
            try:
                path = os.path.join(a.out, f"{a.flow}-failed.png")
                ph.d.save_screenshot(path)
                with open(os.path.join(a.out, f"{a.flow}-failed.html"), "w") as f:
                    f.write(ph.d.page_source)
                print(f"  page at the failure: {path} (and .html); url {ph.d.current_url}", file=sys.stderr)
            except WebDriverException:
                pass
        return 1
    finally:
        if ph is not None:
            ph.quit()


if __name__ == "__main__":
    sys.exit(main())
