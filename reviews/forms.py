"""What every page form of the reviews app shares: the Markdown hint, text areas with a
length limit, and putting a service's errors on the form.

The forms only collect and shape input; the services hold the rules and their messages,
which the views put back on the forms so that every error shows next to its field.
"""

from django import forms
from django.core.exceptions import ValidationError

MARKDOWN_HELP = "Markdown and LaTeX ($x^2$, $$\\sum_i x_i$$) are allowed."


def text_area(rows: int, max_length: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "maxlength": max_length})


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: field messages next to their fields,
    anything else at the top."""
    messages = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    for name, texts in messages.items():
        # Errors of inputs outside the form's fields (a review's concerns) have their own list.
        extra = getattr(form, f"{name}_errors", None)
        if isinstance(extra, list):
            extra.extend(texts)
            continue
        target = name if name in form.fields else None
        for text in texts:
            form.add_error(target, text)
