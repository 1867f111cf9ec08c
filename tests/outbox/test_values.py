"""A short plain value is written as it is; that shortcut must match quoted-printable exactly."""

from newsletter.outbox.message import _close_line, _qp, _value


def test_verbatim_values_encode_like_quoted_printable() -> None:
    values = ["ole@trekant.dk", "Ole Hansen", "https://nyhedsbrev.example.dk/u/tok000001abcdef", ".", "..",
              "a.", " lead", "trail ", "a=b", "x" * 75, "x" * 76, "y" * 200, "Søren Ærø", "tab\there",
              "https://x.dk/p?a=1&b=2", "From me", "a  b", "~!#$%^&*()_+{}|:\"<>?", "-"]
    for value in values:
        assert _value(value) == _close_line(_qp(value)), value
    assert _value("") == b""
