"""The development console's mail, printed so its links can be copied.

Django's console backend prints each message as it would travel, and a body with lines longer
than 78 characters (a confirmation link) travels quoted-printable: the link is cut by soft
line breaks ("=" at the ends of lines) and its "=" signs become "=3D", so a link copied from
the console does not open. This backend prints the headers as they travel and each text
part as its reader sees it.
"""

from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend


class EmailBackend(ConsoleEmailBackend):
    def write_message(self, message) -> None:
        msg = message.message()
        for name, value in msg.items():
            if name.lower() != "content-transfer-encoding":
                self.stream.write(f"{name}: {value}\n")
        for part in msg.walk():
            if part.get_content_maintype() == "text":
                self.stream.write(f"\n[{part.get_content_type()}]\n{part.get_content()}\n")
        self.stream.write("-" * 79 + "\n")
