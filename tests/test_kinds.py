"""A plan's kind and scope (compare.kinds): from its title, and from its opening when no title is printed."""

from __future__ import annotations

import pytest

from compare.kinds import classify_plan


@pytest.mark.parametrize(
    ("opening", "kind", "scope"),
    [
        ("你委关于再审批一些高新区的请示(〔92〕国科发火字395号)收悉。现批复如下:", "批复", "reply"),
        ("“十三五”期间,临港地区要切实贯彻新发展理念……特制定本意见。", "意见", "comprehensive"),
        ("为规范开发区管理,现将有关事项通知如下:", "通知", "notice"),
    ],
)
def test_an_untitled_plan_is_known_by_its_opening(opening: str, kind: str, scope: str) -> None:
    found = classify_plan(None, [], [], text=opening)
    assert (found.kind, found.scope) == (kind, scope)


def test_a_title_decides_before_the_opening() -> None:
    found = classify_plan("山东省经济开发区条例", [], [], text="现批复如下:")
    assert (found.kind, found.scope) == ("条例", "regulation")
