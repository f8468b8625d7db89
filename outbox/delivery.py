"""Handing one message to the mail server so that it is never sent twice.

A worker that died after the server took a message but before recording it
as sent would leave a row that another worker sends again. So the row is
marked sent (``confirm``) at the last moment before the server takes the
message: the whole message has been transmitted, only the line that ends it
(the "." after DATA) is still to come. A mail server keeps a message only
once it has that line, so a sender that dies before it, or that finds its
claim taken over by another worker, leaves the server nothing to deliver.

What is left is the moment between recording "sent" and writing those three
bytes: a process killed exactly then leaves a message recorded as sent that
never arrives. Never twice is kept; at most once is the price. A process
sends one message at a time (``sending._sending``), so a worker killed while
it waits on the mail server has nothing else in that moment.
"""

import re
import smtplib
from functools import partial

#: Line ends as SMTP wants them, and a line that starts with "." doubled.
LINE_END = re.compile(r"\r\n|\n|\r(?!\n)")
LEADING_DOT = re.compile(rb"(?m)^\.")


class Superseded(Exception):
    """Another worker holds the message now; nothing was delivered here."""


def deliver(connection, message, confirm):
    """Send ``message`` through ``connection`` (a Django email backend) and
    call ``confirm()`` just before the server may accept it; when
    ``confirm`` returns false, the message is abandoned and ``Superseded``
    raised. An error from the server after ``confirm`` is raised as usual,
    and the caller records the failure over its confirmation."""
    connection.open()
    smtp = getattr(connection, "connection", None)
    if not isinstance(smtp, smtplib.SMTP):
        # A backend with no SMTP conversation (memory, console, files) has
        # no moment between handing a message over and its acceptance.
        if not confirm():
            raise Superseded
        connection.send_messages([message])
        return
    # Django's backend still prepares the addresses and the message and
    # runs MAIL and RCPT; only DATA, which smtplib's sendmail calls, differs.
    smtp.data = partial(data_confirmed_before_end, smtp, confirm)
    try:
        connection.send_messages([message])
    finally:
        vars(smtp).pop("data", None)


def data_confirmed_before_end(smtp, confirm, message):
    """smtplib's ``SMTP.data``, with ``confirm()`` called before the line
    that ends the message is sent."""
    smtp.putcmd("data")
    code, reply = smtp.getreply()
    if code != 354:
        raise smtplib.SMTPDataError(code, reply)
    if isinstance(message, str):
        message = LINE_END.sub("\r\n", message).encode("ascii")
    body = LEADING_DOT.sub(b"..", message)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    smtp.send(body)
    try:
        confirmed = confirm()
    except BaseException:
        smtp.close()  # the server drops a message it never saw end
        raise
    if not confirmed:
        smtp.close()
        raise Superseded
    smtp.send(b".\r\n")
    return smtp.getreply()
