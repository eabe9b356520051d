"""HTTP-level protection: the client address behind a trusted proxy, and security headers on every response.

flask-talisman sets the headers (a maintained extension, so the policy is data here, not code):
- Content-Security-Policy: pages load scripts, styles, images and fonts from kb itself only; no inline script or
  style (templates use classes from kb.css), no plugins, forms post to kb only, and no site may frame kb;
- X-Frame-Options DENY (older browsers), X-Content-Type-Options nosniff, Referrer-Policy
  strict-origin-when-cross-origin, a Permissions-Policy that turns off what kb never uses;
- Strict-Transport-Security on HTTPS requests when KB_SECURE_COOKIES is on.
HTTPS itself is the proxy's job (KB_TRUSTED_PROXIES tells kb to believe its X-Forwarded-* headers).
"""
from __future__ import annotations

from flask import Flask
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

SELF = "'self'"
CONTENT_SECURITY_POLICY = {
    "default-src": SELF,
    "script-src": SELF,
    "style-src": SELF,
    "img-src": f"{SELF} data:",
    "font-src": SELF,
    "connect-src": SELF,
    "object-src": "'none'",
    "base-uri": SELF,
    "form-action": SELF,
    "frame-ancestors": "'none'",
}
# A chart (an SVG document shown with <img>): its own styles, nothing else; no script runs in an image anyway.
SVG_IMAGE_POLICY = {"default-src": "'none'", "style-src": "'unsafe-inline'", "frame-ancestors": "'none'"}
PERMISSIONS_POLICY = {"browsing-topics": "()", "camera": "()", "geolocation": "()", "microphone": "()",
                      "payment": "()", "usb": "()"}


def init_security(app: Flask) -> None:
    """Trust the configured number of proxies, and send the security headers on every response."""
    proxies = app.config["KB_TRUSTED_PROXIES"]
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies,  # type: ignore[method-assign]
                                x_port=proxies, x_prefix=proxies)
    secure = app.config["KB_SECURE_COOKIES"]
    app.extensions["talisman"] = Talisman(  # one per app: Talisman keeps its settings on the instance
        app,
        force_https=False,  # the TLS proxy redirects; kb also serves plain HTTP on loopback and in tests
        strict_transport_security=secure,
        session_cookie_secure=secure,
        session_cookie_http_only=True,
        session_cookie_samesite="Lax",
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        permissions_policy=PERMISSIONS_POLICY,
        x_content_type_options=True,
    )


def svg_image(view):  # type: ignore[no-untyped-def]
    """Serve a view's SVG chart under SVG_IMAGE_POLICY (flask-talisman's per-view options): the chart's inline
    styles apply, and nothing is fetched or run."""
    view.talisman_view_options = {"content_security_policy": SVG_IMAGE_POLICY}
    return view
