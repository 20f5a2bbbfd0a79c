"""Mail printed on the development console can be read and its links copied as they are."""

from io import StringIO

from django.core.mail import EmailMultiAlternatives

from bzpeer.console_mail import EmailBackend

LINK = (
    "https://127.0.0.1:8821/accounts/confirm-email/"
    "MQ:1xZiBp:X1Wx97emVmzkWG7jXSbvid3ViaBNN_VzpHGg8zpdD3U/?next=/papers/2203.14101/"
)


def test_a_long_link_is_printed_whole_and_the_headers_as_they_travel():
    stream = StringIO()
    message = EmailMultiAlternatives(
        subject="[BZPEER] Please confirm your email address — Ünïcode",
        body=f"To confirm this is correct, go to {LINK}\n",
        to=["grace@example.org"],
    )
    message.attach_alternative(f'<p><a href="{LINK}">Confirm</a></p>', "text/html")
    EmailBackend(stream=stream).send_messages([message])
    printed = stream.getvalue()
    assert f"go to {LINK}\n" in printed
    assert f'href="{LINK}"' in printed
    assert "=3D" not in printed and "=\n" not in printed
    assert "To: grace@example.org" in printed and "Subject: " in printed
