"""The rules the real-WordPress comparison reads the truth with (tests/wordpress/compare.py):
what counts as body text of rendered post content, and the token F1 over it."""

from __future__ import annotations

import pytest

from tests.wordpress.compare import body_text, token_f1


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>One <b>two</b></p><p>three</p>", "One two three"),
        ("<ul><li>a</li><li>b</li></ul>", "a b"),
        # Entities as a reader sees them.
        ("<p>AT&amp;T &#8220;x&#8221; 3 &lt; 5</p>", "AT&T “x” 3 < 5"),
        # Captions (block and classic), scripts and embeds' iframes are not article text.
        (
            '<figure class="wp-block-image"><img src="a.jpg"><figcaption class="wp-element-caption">'
            "Cap</figcaption></figure><p>Body</p>",
            "Body",
        ),
        (
            '<figure class="wp-caption"><img src="a.jpg"><figcaption class="wp-caption-text">Cap'
            "</figcaption></figure>after",
            "after",
        ),
        # Block content saved before WordPress 6.1 has captions without a class.
        (
            "<figure><table><tr><td>4.2</td></tr></table><figcaption>Trade</figcaption></figure>",
            "4.2",
        ),
        ('<p>x</p><script>var a = 1;</script><iframe src="v"></iframe><p>y</p>', "x y"),
        # A tweet embed's quoted text stays: the page shows it as part of the story.
        ('<blockquote class="twitter-tweet"><p>Talks resume</p></blockquote>', "Talks resume"),
        ("", ""),
    ],
)
def test_body_text(html: str, text: str) -> None:
    assert body_text(html) == text


@pytest.mark.parametrize(
    ("expected", "got", "f1"),
    [
        ("a b c d", "a b c d", 1.0),
        ("a b c d", "d c b a", 1.0),  # a bag of tokens: order does not count
        ("a b c d", "a b", 2 / 3),
        ("a b", "a b c d", 2 / 3),
        ("a a b", "a b b", 2 / 3),  # repeated tokens count as often as they occur
        ("a a b", "a a b", 1.0),
        ("a b", "x y", 0.0),
        ("", "", 1.0),
        ("a", "", 0.0),
    ],
)
def test_token_f1(expected: str, got: str, f1: float) -> None:
    assert token_f1(expected, got) == pytest.approx(f1)
