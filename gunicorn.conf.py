"""gunicorn settings read from the working directory (`make serve`, the browser tests' server).

The application answers a URL longer than it accepts (kb.MAX_URL_LENGTH, 8000) itself, with its JSON error
body under /api and an HTML page elsewhere (414). gunicorn must therefore read request lines at least that
long: 8190 bytes (method, URL and protocol) is the most gunicorn reads while still bounding the line; a
longer line is refused by gunicorn itself (400).
"""

limit_request_line = 8190
