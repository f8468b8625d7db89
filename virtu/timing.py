"""A ``Server-Timing`` header with the time a request took in this process
(``app;dur=<ms>``), from the first middleware to the response. The load
benchmark (``virtu.settings.benchmark``) reads it to compare the pages with
the bare view inside the gunicorn worker, without the network and the
client; browsers show it in their developer tools."""

import time


class ServerTimingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        start = time.perf_counter()
        response = self.get_response(request)
        response["Server-Timing"] = (
            f"app;dur={(time.perf_counter() - start) * 1000:.2f}"
        )
        return response
