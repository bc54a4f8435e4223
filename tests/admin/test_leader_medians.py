"""The leaders' board shows the on-time share, the median working days and the slowest kinds,
each a link to exactly the items it counts."""

from __future__ import annotations

import re
from datetime import timedelta

from core import services


def test_on_time_median_and_slowest_kinds_link_to_their_items(session, make_officer,
                                                              make_feedback, login) -> None:
    head = make_officer("LGA-BAHI-DC", "head")
    phones = (f"0712346{n:03d}" for n in range(50))
    for kind, days in (("complaint", 1), ("complaint", 20), ("inquiry", 2)):
        fb = make_feedback(institution_code="LGA-BAHI-DC", kind=kind, phone=next(phones))
        services.answer_feedback(session, fb, head, "Tumeshughulikia",
                                 now=fb.created_at + timedelta(days=days))
    make_feedback(institution_code="LGA-BAHI-DC", phone=next(phones))
    session.commit()
    rc = login(make_officer("RS-DODOMA", "head", language="en"))
    page = rc.get("/admin/leaders").get_data(as_text=True)
    row = re.search(r'<tr data-code="LGA-BAHI-DC">(.*?)</tr>', page, re.S)
    assert row, page
    on_time = re.search(r'<td class="n on-time"><a href="([^"]+)">66%</a>', row.group(1))
    median = re.search(r'<td class="n median"><a href="([^"]+)">([\d.]+)</a>', row.group(1))
    assert on_time and median, row.group(1)
    listed = rc.get(on_time.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert listed.count('href="/admin/f/') == 2
    listed = rc.get(median.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert listed.count('href="/admin/f/') == 3
    slowest = re.search(r'<div class="card" id="slowest">(.*?)</div>', page, re.S)
    assert slowest
    kinds = re.findall(r'<tr data-kind="(\w+)">', slowest.group(1))
    assert kinds == ["complaint", "inquiry"]
    link = re.search(r'<tr data-kind="inquiry"><td>[^<]*</td><td class="n"><a href="([^"]+)">',
                     slowest.group(1))
    assert link
    listed = rc.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert listed.count('href="/admin/f/') == 1
