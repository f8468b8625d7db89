"""The demo's console email backend: each email as a person reads it.

Django's console backend prints the raw message, where the text part is
quoted-printable: long lines end in "=", so a sign-in link is cut in two,
and "ä" reads "=C3=A4". This one prints the headers a reader sees and the
plain text itself, decoded, with every link whole."""

from django.core.mail.backends.console import EmailBackend


class ReadableConsoleBackend(EmailBackend):
    def write_message(self, message):
        lines = [
            f"From: {message.from_email}",
            f"To: {', '.join(message.to)}",
            f"Subject: {message.subject}",
        ]
        names = [
            attachment.get_filename()
            if hasattr(attachment, "get_filename")
            else attachment[0]
            for attachment in message.attachments
        ]
        if names:
            lines.append(f"Attachments: {', '.join(str(name) for name in names)}")
        text = message.body
        if not text.endswith("\n"):
            text += "\n"
        self.stream.write("\n".join(lines) + "\n\n" + text)
        self.stream.write("-" * 79 + "\n")
