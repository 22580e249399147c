# -*- coding: utf-8 -*-
# Copyright: homelab.llm_stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal collection use only: the shared HTTP base every service client builds on.

"""One HTTP client for every service API: session, timeouts, TLS options,
bounded retries with backoff, and errors that carry the server's own reason."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import time

try:
    import requests
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by the module
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = exc

# Methods that may be sent again when the server failed with a 5xx or the
# connection broke: repeating them cannot create a second object.
IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "PUT", "DELETE", "OPTIONS"))
RETRY_STATUSES = frozenset((500, 502, 503, 504))
REASON_KEYS = ("reason", "message", "error", "exception", "detail")


class ApiError(Exception):
    """A failed API call: what was asked, what the server answered and why."""

    def __init__(self, message, status=None, reason=None, method=None, url=None, body=None):
        super(ApiError, self).__init__(message)
        self.status = status
        self.reason = reason
        self.method = method
        self.url = url
        self.body = body

    def __str__(self):
        parts = []
        if self.method and self.url:
            parts.append("%s %s" % (self.method, self.url))
        if self.status is not None:
            parts.append("HTTP %s" % self.status)
        text = ": ".join(parts + [self.args[0]]) if parts else self.args[0]
        if self.reason and self.reason not in text:
            text += " (server said: %s)" % self.reason
        return text

    def to_result(self):
        """Keys added to a module's failure result."""
        return {"status": self.status, "reason": self.reason, "method": self.method, "url": self.url}


def default_reason(response):
    """Pull a human reason out of an error response: JSON keys first, then text."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        found = [str(data[k]) for k in REASON_KEYS if data.get(k) not in (None, "")]
        if found:
            # Keep distinct parts in order: RabbitMQ sends {"error": "bad_request", "reason": "..."}.
            seen = []
            for item in found:
                if item not in seen:
                    seen.append(item)
            return "; ".join(seen)
    text = (response.text or "").strip()
    return text[:500] if text else (response.reason or None)


class ApiClient:
    """A requests.Session bound to one service's base URL.

    retries: how many times a failed attempt is tried again (connection
    errors always; 5xx only for idempotent methods); waits grow as
    backoff * 2**attempt.
    """

    def __init__(self, base_url, auth=None, headers=None, validate_certs=True, ca_path=None,
                 timeout=30, retries=3, backoff=0.5, reason=default_reason, sleep=time.sleep):
        if not HAS_REQUESTS:
            raise ApiError("the Python library 'requests' is required: %s" % REQUESTS_IMPORT_ERROR)
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = max(0, int(retries))
        self.backoff = backoff
        self.reason = reason
        self.sleep = sleep
        self.session = requests.Session()
        self.session.auth = auth
        self.session.headers.update({"Accept": "application/json"})
        if headers:
            self.session.headers.update(headers)
        self.session.verify = (ca_path or True) if validate_certs else False
        self.session.trust_env = True
        self.attempts = 0  # total HTTP attempts made, for tests and benchmarks

    def url(self, path):
        return path if path.startswith(("http://", "https://")) else self.base_url + "/" + path.lstrip("/")

    def request(self, method, path, json_body=None, params=None, expected=(200, 201, 204),
                headers=None, stream=False, data=None, timeout=None):
        """Send one request; return the response when its status is in `expected`.

        Anything else raises ApiError with the status and the server's reason.
        Redirects are never followed: an API that redirects is misconfigured,
        and the caller decides what that means.
        """
        method = method.upper()
        url = self.url(path)
        # verify per request: requests would otherwise let $REQUESTS_CA_BUNDLE override the session's ca_path.
        kwargs = {"params": params, "headers": headers, "stream": stream, "verify": self.session.verify,
                  "timeout": timeout or self.timeout, "allow_redirects": False}
        if json_body is not None:
            kwargs["json"] = json_body
        elif data is not None:
            kwargs["data"] = data
        attempt = 0
        while True:
            self.attempts += 1
            try:
                response = self.session.request(method, url, **kwargs)
            except requests.exceptions.SSLError as exc:
                raise ApiError("TLS error: %s (set validate_certs or ca_path)" % exc, method=method, url=url)
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                # A refused connection never reached the server; a read timeout may have.
                sent = isinstance(exc, requests.exceptions.ReadTimeout)
                if attempt < self.retries and (not sent or method in IDEMPOTENT_METHODS):
                    self._wait(attempt)
                    attempt += 1
                    continue
                raise ApiError("cannot reach the server after %d attempt(s): %s" % (attempt + 1, exc),
                               method=method, url=url)
            if (response.status_code in RETRY_STATUSES and method in IDEMPOTENT_METHODS
                    and response.status_code not in expected and attempt < self.retries):
                response.close()
                self._wait(attempt)
                attempt += 1
                continue
            if response.status_code in expected:
                return response
            raise self.error(response, method, url)

    def error(self, response, method, url):
        reason = self.reason(response)
        if 300 <= response.status_code < 400:
            message = "unexpected redirect to %s" % response.headers.get("Location", "?")
        else:
            message = "unexpected answer"
        return ApiError(message, status=response.status_code, reason=reason, method=method,
                        url=url, body=response.text[:2000])

    def _wait(self, attempt):
        self.sleep(self.backoff * (2 ** attempt))

    def get_json(self, path, params=None, missing=(404,)):
        """GET a JSON document; None when the status is one of `missing`."""
        response = self.request("GET", path, params=params, expected=(200,) + tuple(missing))
        if response.status_code in missing:
            return None
        return self.decode(response)

    def send_json(self, method, path, body=None, params=None, expected=(200, 201, 204)):
        """Send a JSON body; return the decoded answer (None when empty)."""
        return self.decode(self.request(method, path, json_body=body, params=params, expected=expected))

    @staticmethod
    def decode(response):
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise ApiError("the answer is not JSON: %r" % response.text[:200], status=response.status_code,
                           method=response.request.method, url=response.url)

    def close(self):
        self.session.close()


def json_dumps(data):
    """Stable JSON text, for comparisons and fingerprints."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"))
