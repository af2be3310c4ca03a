"""`{% id_path %}`: the path of each row in a list, reversed once per render, is the path reverse() writes."""

import pytest
from django.template import Context, Template
from django.urls import reverse, set_script_prefix

ROWS = [1, 7, 42, 2147483647, 10**12]


def _render(source: str, **context: object) -> str:
    return Template("{% load market %}" + source).render(Context(context))


def test_each_row_gets_the_path_reverse_writes():
    html = _render(
        "{% for pk in rows %}{% id_path 'frontend:product' pk %}|{% id_path 'frontend:cooperative' pk %};{% endfor %}",
        rows=ROWS,
    )
    expected = "".join(
        f"{reverse('frontend:product', args=[pk])}|{reverse('frontend:cooperative', args=[pk])};" for pk in ROWS
    )
    assert html == expected


def test_the_path_keeps_the_sites_prefix():
    """Served under a sub-path (SCRIPT_NAME), the rows' links keep it, as {% url %} does."""
    set_script_prefix("/market/")
    try:
        assert (
            _render("{% id_path 'frontend:product' 5 %}")
            == "/market/products/5/"
            == reverse("frontend:product", args=[5])
        )
    finally:
        set_script_prefix("/")


def test_an_id_that_is_not_a_whole_number_is_refused():
    with pytest.raises(ValueError, match="invalid literal for int"):
        _render("{% id_path 'frontend:product' pk %}", pk="5/../admin")
