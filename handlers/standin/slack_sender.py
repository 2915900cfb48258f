"""Slack calling the app's Request URL: signed POSTs, timed, with the answer kept."""

import hashlib
import hmac
import time

import aiohttp

from handlers.standin.slack_models import JsonDict, SentRequest

STALE_AGE = 600  # seconds; Bolt rejects anything older than 300
SLACK_USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """`v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}`, Slack's request signature."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class AppSender:
    """Posts signed requests to the app, optionally with a bad signature or a stale clock."""

    def __init__(self, signing_secret: str, timeout: float = 10.0) -> None:
        self._secret = signing_secret
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    def _headers(
        self, body: bytes, content_type: str, bad_signature: bool, stale: bool
    ) -> JsonDict:
        """Content type, timestamp and signature headers for one request."""
        timestamp = str(int(time.time()) - (STALE_AGE if stale else 0))
        secret = self._secret + "-wrong" if bad_signature else self._secret
        return {
            "Content-Type": content_type,
            "User-Agent": SLACK_USER_AGENT,
            "Accept": "*/*",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": sign(secret, timestamp, body),
        }

    async def post(
        self,
        url: str,
        body: bytes,
        content_type: str,
        sent: JsonDict,
        *,
        extra_headers: dict[str, str] | None = None,
        bad_signature: bool = False,
        stale: bool = False,
    ) -> SentRequest:
        """Send one signed POST and return the app's status, body, headers and latency."""
        if self._session is None or self._session.closed:
            timeout = aiohttp.ClientTimeout(total=self._timeout)
            self._session = aiohttp.ClientSession(timeout=timeout)
        headers = self._headers(body, content_type, bad_signature, stale)
        headers.update(extra_headers or {})
        started = time.perf_counter()
        async with self._session.post(url, data=body, headers=headers) as response:
            text = await response.text()
            latency = time.perf_counter() - started
            return SentRequest(response.status, text, dict(response.headers), latency, sent)

    async def close(self) -> None:
        """Release the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None
