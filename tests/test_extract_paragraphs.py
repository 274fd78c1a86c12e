"""HTML paragraph filter (newsdesk.extract.paragraphs): features, bundled model, filtering, fallback."""

from __future__ import annotations

import pytest

from newsdesk.errors import OptionsError
from newsdesk.extract import ExtractOptions
from newsdesk.extract.lines import FEATURE_NAMES
from newsdesk.extract.paragraphs import (
    EXTRA_FEATURES,
    bundled_paragraph_model,
    filter_paragraphs,
    paragraph_features,
)

ARTICLE = [
    "The council voted on Tuesday to extend the coastal barrier by two kilometres, after a winter in which "
    "storm surges flooded the harbour district three times.",
    "Engineers said the extension would take eighteen months and cost about 40 million euros, most of it "
    "paid by the regional government.",
    "What the plan changes",
    "Residents of the harbour district, who had campaigned for the extension since 2019, welcomed the "
    "decision but asked for a timetable of the works.",
]


def test_features_cover_the_model_and_describe_position_and_lists():
    paras = ["Share this article", *ARTICLE, "- a list item of the article", "Related stories"]
    feats = paragraph_features(paras)
    model = bundled_paragraph_model()
    assert model is not None
    assert set(model.names) <= set(feats[0]) == set(FEATURE_NAMES) | set(EXTRA_FEATURES)
    assert feats[0]["first"] == 1.0 and feats[-1]["last"] == 1.0
    assert feats[-2]["list_item"] == 1.0 and feats[1]["list_item"] == 0.0
    for f in feats:
        assert f["before_share"] + f["after_share"] <= 1.0
    assert feats[0]["before_share"] == 0.0 and feats[-1]["after_share"] == 0.0


def test_bundled_model_drops_chrome_paragraphs_and_keeps_the_article_with_its_subheading():
    model = bundled_paragraph_model()
    assert model is not None
    paras = ["Share this article", "Advertisement", *ARTICLE, "Related stories"]
    kept = filter_paragraphs(paras, model, min_words=25)
    assert kept == ARTICLE


def test_filter_keeps_every_paragraph_when_too_little_would_remain():
    model = bundled_paragraph_model()
    assert model is not None
    paras = ["Share this article", "Advertisement", "Related stories"]
    assert filter_paragraphs(paras, model, min_words=25) == paras
    assert filter_paragraphs([], model, min_words=25) == []


def test_defaults_read_recall_first_and_the_filter_is_opt_in():
    options = ExtractOptions()
    assert options.html_modes[0] == "recall"
    assert options.paragraph_filter is False
    assert ExtractOptions(paragraph_filter=True).paragraph_filter is True
    with pytest.raises(OptionsError):
        ExtractOptions(html_modes=())
