"""现场检查 from a phone (390×844): a district official records an inspection with a photo taken
by the camera (a JPEG the browser itself draws, given to the file input), its position on a
button press, two findings (the second row added in the page), and sees it on the project page
with the thumbnail; raises an issue from a finding, sees the photo on the issue's page, assigns
it (a district's own official may, issue #11 item 10) and attaches the evidence at 办结."""

from __future__ import annotations

import base64

from supervision.models import Inspection, Issue, IssueAttachment
from tests.browser.conftest import OFFICE, PHONE, SCREENSHOTS, log_in, shot

# A real JPEG drawn by Chromium: a crane-yellow square with a grey band (no Pillow needed).
DRAW_JPEG = """() => {
  const c = document.createElement("canvas"); c.width = 320; c.height = 240;
  const g = c.getContext("2d");
  g.fillStyle = "#f0b400"; g.fillRect(0, 0, 320, 240);
  g.fillStyle = "#646a73"; g.fillRect(0, 150, 320, 40);
  return c.toDataURL("image/jpeg", 0.8).split(",")[1];
}"""


def test_district_official_records_an_inspection_on_a_phone_and_follows_it_up(page, city):
    page.set_viewport_size(PHONE)
    page.context.grant_permissions(["geolocation"], origin=page.base)
    page.context.set_geolocation({"latitude": 36.0662, "longitude": 120.3826, "accuracy": 12})
    log_in(page, "shinan")
    page.goto(f"{page.base}/projects/SN-001/")
    page.click("#record-inspection")
    page.wait_for_selector("#inspection-form")
    page.select_option("#id_kind", "supervision")
    page.fill("#id_summary", "主体结构施工中，塔吊一台未到位")
    page.fill("#id_findings-0-description", "塔吊未安装到位，影响主体施工进度")
    page.click("#add-finding")  # a second row, added without a reload
    page.fill("#id_findings-1-description", "现场围挡破损")
    page.check("#id_findings-1-raise_issue")
    jpeg = base64.b64decode(page.evaluate(DRAW_JPEG))
    page.set_input_files(
        "#id_photos", files=[{"name": "塔吊.jpg", "mimeType": "image/jpeg", "buffer": jpeg}]
    )
    assert page.input_value("input[name=photo_times]")  # the photo's lastModified, sent along
    page.click("#locate")
    page.wait_for_function(
        "() => document.querySelector('#position').textContent.includes('36.066200')"
    )
    shot(page, "inspection-new-phone", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.click("#save-inspection")
    page.wait_for_selector("#findings")
    inspection = Inspection.objects.get()
    assert inspection.findings.count() == 2 and inspection.photos.count() == 1
    assert str(inspection.latitude) == "36.066200"
    assert Issue.objects.count() == 1  # the second finding, raised at once
    shot(page, "inspection-detail-phone", full_page=True)

    # the project page: the inspection with its thumbnail, which loads
    page.goto(f"{page.base}/projects/SN-001/#inspections")
    thumb = page.locator("#inspections .thumbs img").first
    thumb.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => { const i = document.querySelector('#inspections .thumbs img');"
        " return i && i.complete && i.naturalWidth === 320; }"
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#inspections").screenshot(
        path=str(SCREENSHOTS / "inspection-project-section-phone.png")
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.set_viewport_size(OFFICE)  # the same section on the office screen
    page.locator("#inspections").screenshot(
        path=str(SCREENSHOTS / "inspection-project-section-office.png")
    )
    page.set_viewport_size(PHONE)

    # the first finding becomes an issue in one step; its page shows the photo
    page.goto(f"{page.base}/inspections/{inspection.pk}/")
    finding = inspection.findings.order_by("pk").first()
    page.click(f"#raise-{finding.pk}")
    page.wait_for_selector("#issue-status")
    issue = Issue.objects.get(finding=finding)
    assert page.url.endswith(f"/issues/{issue.pk}/")
    page.wait_for_function(
        "() => { const i = document.querySelector('.thumbs img');"
        " return i && i.complete && i.naturalWidth === 320; }"
    )
    shot(page, "inspection-issue-photos-phone", full_page=True)

    # 交办 by the district's own official, then 开始办理, then 办结 with the evidence
    page.check("input[name=action][value=assign]")
    page.select_option("#id_unit", str(city["unit"].pk))
    page.click("#do-transition")
    page.wait_for_selector("text=已交办")
    page.check("input[name=action][value=start]")
    assert page.locator("#id_evidence").is_hidden()  # evidence is offered at 办结 and 销号
    page.click("#do-transition")
    page.wait_for_selector("text=已开始办理")
    page.check("input[name=action][value=resolve]")
    page.fill("#id_note", "塔吊已安装并通过验收")
    page.set_input_files(
        "#id_evidence", files=[{"name": "验收.jpg", "mimeType": "image/jpeg", "buffer": jpeg}]
    )
    shot(page, "inspection-issue-resolve-phone", full_page=True)
    page.click("#do-transition")
    page.wait_for_selector("text=已办结")
    assert page.locator("#attachments a", has_text="验收.jpg").count() == 1
    attachment = IssueAttachment.objects.get(issue=issue)
    assert attachment.caption == "办结"
    shot(page, "inspection-issue-resolved-phone", full_page=True)
