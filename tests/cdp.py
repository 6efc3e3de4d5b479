"""A small client of Chromium's DevTools protocol over --remote-debugging-pipe
(fd 3 to the browser, fd 4 from it, one JSON message per NUL-terminated
record: https://chromedevtools.github.io/devtools-protocol/), for tests that
open our HTML pages in headless Chromium: no npm dependency, no port.

Each page is opened in a fresh target with every request intercepted
(Fetch.enable on "*"): the page's own file is let through, any other request
is recorded and failed, so that a test can assert that nothing left the page.
Dialogs (alert, confirm, prompt) are recorded and dismissed; console and
log entries (Content-Security-Policy violations among them) and uncaught
exceptions are recorded."""
import base64
import json
import os
import select
import shutil
import subprocess
import time


class CDPError(Exception):
    pass


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    def __init__(self, binary, profile, deadline, log_path):
        self.deadline = deadline
        self.next_id = 0
        self.buf = b""
        self.events = []        # not yet taken by a wait
        self.pages = {}         # sessionId -> Page
        to_r, self.to_w = os.pipe()
        self.from_r, from_w = os.pipe()

        def fds():
            # dup first: a pipe end may already be fd 3 or 4 (and close-on-exec)
            a, b = os.dup(to_r), os.dup(from_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        args = [binary, "--headless=new", "--remote-debugging-pipe", f"--user-data-dir={profile}",
                "--no-first-run", "--no-default-browser-check", "--disable-gpu", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-default-apps", "--mute-audio", "--hide-scrollbars", "--window-size=1280,900",
                "about:blank"]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")     # Chromium refuses root with its sandbox
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
                                     close_fds=False, preexec_fn=fds)
        os.close(to_r)
        os.close(from_w)

    def remaining(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise CDPError("out of time")
        return left

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_w, json.dumps(msg).encode() + b"\0")
        return self.next_id

    def read(self, timeout):
        end = time.monotonic() + min(timeout, self.remaining())
        while b"\0" not in self.buf:
            ready, _, _ = select.select([self.from_r], [], [], max(0.0, end - time.monotonic()))
            if not ready:
                return None
            data = os.read(self.from_r, 1 << 20)
            if not data:
                raise CDPError("Chromium closed the pipe (see its log)")
            self.buf += data
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def dispatch(self, msg):
        page = self.pages.get(msg.get("sessionId"))
        if page and "method" in msg:
            page.event(msg)
        self.events.append(msg)

    def call(self, method, params=None, session=None, timeout=30):
        want = self.send(method, params, session)
        while True:
            msg = self.read(timeout)
            if msg is None:
                raise CDPError(f"{method}: no answer within {timeout} s")
            if msg.get("id") == want:
                if "error" in msg:
                    raise CDPError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.dispatch(msg)

    def wait_event(self, method, session, timeout=30):
        for i, msg in enumerate(self.events):
            if msg.get("method") == method and msg.get("sessionId") == session:
                return self.events.pop(i)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            msg = self.read(end - time.monotonic())
            if msg is None:
                break
            if "method" in msg:
                self.dispatch(msg)
                if msg["method"] == method and msg.get("sessionId") == session:
                    self.events.pop()
                    return msg
        raise CDPError(f"no {method} within {timeout} s")

    def open(self, url):
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session, url)
        self.pages[session] = page
        for method, params in (("Page.enable", {}), ("Runtime.enable", {}), ("Log.enable", {}),
                               ("Network.enable", {}), ("Fetch.enable", {"patterns": [{"urlPattern": "*"}]})):
            self.call(method, params, session)
        self.call("Page.navigate", {"url": url}, session)
        self.wait_event("Page.loadEventFired", session)
        return page

    def close(self):
        try:
            if self.proc.poll() is None:
                self.send("Browser.close")
                self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.to_w)
        os.close(self.from_r)
        self.log.close()


class Page:
    def __init__(self, browser, session, url):
        self.browser = browser
        self.session = session
        self.url = url
        self.requests = []      # every URL the page asked for
        self.blocked = {}       # URL -> why Chromium refused it before sending ("csp", ...)
        self.ids = {}           # requestId -> URL
        self.refused = []       # those failed here (all but the page itself)
        self.dialogs = []
        self.logs = []          # (source, level, text)
        self.exceptions = []

    def event(self, msg):
        m, p = msg["method"], msg.get("params", {})
        if m == "Fetch.requestPaused":
            url = p["request"]["url"]
            if url == self.url:
                self.browser.send("Fetch.continueRequest", {"requestId": p["requestId"]}, self.session)
            else:
                self.refused.append(url)
                self.browser.send("Fetch.failRequest", {"requestId": p["requestId"], "errorReason": "BlockedByClient"},
                                  self.session)
        elif m == "Network.requestWillBeSent":
            self.requests.append(p["request"]["url"])
            self.ids[p["requestId"]] = p["request"]["url"]
        elif m == "Network.loadingFailed" and p.get("blockedReason") and p["requestId"] in self.ids:
            self.blocked[self.ids[p["requestId"]]] = p["blockedReason"]
        elif m == "Page.javascriptDialogOpening":
            self.dialogs.append(p.get("message"))
            self.browser.send("Page.handleJavaScriptDialog", {"accept": False}, self.session)
        elif m == "Log.entryAdded":
            e = p["entry"]
            self.logs.append((e.get("source"), e.get("level"), e.get("text")))
        elif m == "Runtime.consoleAPICalled":
            self.logs.append(("console", p.get("type"), " ".join(str(a.get("value")) for a in p.get("args", []))))
        elif m == "Runtime.exceptionThrown":
            self.exceptions.append(p["exceptionDetails"].get("text"))

    def call(self, method, params=None, timeout=30):
        return self.browser.call(method, params, self.session, timeout)

    def eval(self, expression):
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in r:
            raise CDPError(f"{expression}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def settle(self, seconds=0.2):
        """Handles what arrives for a moment (late requests, log entries)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            msg = self.browser.read(end - time.monotonic())
            if msg is None:
                break
            if "method" in msg:
                self.browser.dispatch(msg)

    def click(self, selector):
        """A real mouse click at the middle of the element (scrolled into view)."""
        box = self.eval(f"""(() => {{ const e = document.querySelector({json.dumps(selector)});
            if (!e) return null; e.scrollIntoView({{block: 'center'}});
            const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()""")
        if not box:
            raise CDPError(f"no element {selector} to click")
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", {"type": kind, "x": box[0], "y": box[1], "button": "left",
                                                   "clickCount": 1})
        self.settle(0.05)

    def type(self, selector, text):
        self.click(selector)
        self.call("Input.insertText", {"text": text})
        self.settle(0.05)

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
