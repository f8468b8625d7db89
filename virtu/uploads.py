"""Uploads that never reach the disk and are refused before they are read
when they are too large."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import MemoryFileUploadHandler


class LimitedMemoryFileUploadHandler(MemoryFileUploadHandler):
    """Django's in-memory upload, for every size up to
    ``FILE_UPLOAD_MAX_MEMORY_SIZE``, and a 400 for anything larger: by the
    length the request announces, before any of it is read, and while
    reading a request that announces none. Django would otherwise write a
    large file to a temporary file first and only then let a form refuse it.
    """

    def handle_raw_input(
        self, input_data, META, content_length, boundary, encoding=None
    ):
        if content_length > settings.FILE_UPLOAD_MAX_MEMORY_SIZE:
            raise RequestDataTooBig("The upload is larger than the site allows.")
        self.received = 0
        super().handle_raw_input(input_data, META, content_length, boundary, encoding)
        self.activated = True

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.FILE_UPLOAD_MAX_MEMORY_SIZE:
            raise RequestDataTooBig("The upload is larger than the site allows.")
        return super().receive_data_chunk(raw_data, start)
