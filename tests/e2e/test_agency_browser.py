"""The agency's page in headless Chromium on the local stack, at a phone's width: a report is
filed, the agency's link opened, the report acknowledged, an "after" photo uploaded through the
page's form straight to S3 (which redirects back to the page), the report resolved.

Needs Debian's ``chromium`` and ``chromium-driver`` (``apt-get install -y chromium
chromium-driver``; README "Agency pages"). Without them the tests skip, saying so, except under
``CI=true``, where a missing browser fails: CI must not pass by running nothing. Screenshots
(390×844, and the whole page) are kept in ``.artefacts/agency/``.
"""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from sikemas import links
from tests.camera import INSIDE, camera_photo
from tests.e2e.conftest import WIDTH

ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = ROOT / ".artefacts" / "agency"
PHONE = "+6281377700011"


def screenshot(driver: Any, name: str) -> None:
    """The phone's viewport, and the whole page (Chrome DevTools), under .artefacts/agency/."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTEFACTS / f"{name}.png"))
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}
    )
    (ARTEFACTS / f"{name}-full.png").write_bytes(base64.b64decode(shot["data"]))


def submit(driver: Any, form: Any) -> None:
    """Click the form's button and wait until the next page has loaded (a click returns
    before a form's navigation does)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    page = driver.find_element(By.TAG_NAME, "html")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait = WebDriverWait(driver, 20)
    wait.until(lambda d: _left(d, expected_conditions.staleness_of(page)))
    wait.until(lambda d: d.execute_script("return document.readyState") == "complete")


def _left(driver: Any, stale: Any) -> bool:
    """Whether the old page is gone. Mid-navigation Chromium may answer for the old node
    "Node with given id does not belong to the document" (a plain WebDriverException, not
    StaleElementReferenceException): that too says the page is gone."""
    from selenium.common.exceptions import WebDriverException

    try:
        return bool(stale(driver))
    except WebDriverException as exc:
        if "does not belong to the document" in str(exc):
            return True
        raise


def file_report(stack: Any) -> dict[str, Any]:
    body = {
        "kind": "complaint",
        "category": "kesehatan",  # DINKES: a city agency, routed at once (no photo needed)
        "description": "Puskesmas tutup pada jam layanan <b>tanpa pemberitahuan</b>.",
        "location": {"lat": INSIDE[0], "lon": INSIDE[1], "accuracy_m": 15},
        "photo_count": 0,
    }
    r = requests.post(f"{stack.url}/v1/reports", json=body, headers=stack.auth(PHONE), timeout=10)
    assert r.status_code == 201, r.text
    report: dict[str, Any] = r.json()["report"]
    assert report["status"] == "assigned"
    return report


def routed_rubbish_report(stack: Any) -> dict[str, Any]:
    """A rubbish report (DLH: photos required) with the citizen's photo, checked and routed."""
    body = {
        "kind": "complaint",
        "category": "sampah",
        "description": "Sampah menumpuk di depan pasar sejak tiga hari.",
        "location": {"lat": INSIDE[0], "lon": INSIDE[1], "accuracy_m": 15},
        "photo_count": 1,
    }
    r = requests.post(f"{stack.url}/v1/reports", json=body, headers=stack.auth(PHONE), timeout=10)
    assert r.status_code == 201, r.text
    created = r.json()
    upload = created["uploads"][0]
    sent = requests.post(
        upload["url"],
        data={**upload["fields"], "Content-Type": "image/jpeg"},
        files={"file": ("photo.jpg", camera_photo(INSIDE, datetime.now(UTC)), "image/jpeg")},
        timeout=10,
    )
    assert sent.status_code in (200, 204), sent.text
    deadline = time.monotonic() + 30
    while (report := my_report(stack, created["report"]["id"]))["status"] != "assigned":
        assert time.monotonic() < deadline, f"still {report['status']} after 30 s"
        time.sleep(0.3)
    return report


def agency_link(stack: Any, report: dict[str, Any]) -> str:
    """The link the agency got: from the outbox when the stack has one, else signed here with
    the stack's own secret (as the notifier signs it)."""
    if requests.get(f"{stack.url}/_local/outbox", timeout=5).status_code == 200:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            outbox = requests.get(f"{stack.url}/_local/outbox", timeout=5).json()
            for message in outbox["messages"]:
                body = message.get("body") or ""
                if message["channel"] == "email" and report["tracking_code"] in body:
                    return next(w for w in body.split() if "/agency/r/" in w)
            time.sleep(0.3)
        raise AssertionError("no e-mail with the agency's link reached the outbox in 20 s")
    secrets = stack.client("secretsmanager")
    secret = links.load_secret(secrets, stack.resources["AgencyLinkSecret"])
    agency = report["agency"]["code"]
    token = links.sign(secret, report["id"], agency, datetime.now(UTC) + timedelta(days=7))
    return f"{stack.url}/agency/r/{token}"


def my_report(stack: Any, report_id: str) -> dict[str, Any]:
    r = requests.get(
        f"{stack.url}/v1/me/reports/{report_id}", headers=stack.auth(PHONE), timeout=10
    )
    assert r.status_code == 200, r.text
    found: dict[str, Any] = r.json()["report"]
    return found


def test_an_officer_acknowledges_uploads_an_after_photo_and_resolves_on_a_phone(
    local_stack, browser, tmp_path
):
    from selenium.webdriver.common.by import By

    report = routed_rubbish_report(local_stack)
    link = agency_link(local_stack, report)
    assert link.startswith(f"{local_stack.url}/agency/r/")

    browser.get(link)
    assert report["tracking_code"] in browser.title
    status = browser.find_element(By.ID, "status")
    assert status.get_attribute("data-status") == "assigned"
    assert "Batas tanggapan" in browser.find_element(By.TAG_NAME, "main").text  # deadlines
    # Mobile-first: nothing wider than the phone (no sideways scrolling).
    assert browser.execute_script("return document.documentElement.scrollWidth") <= WIDTH
    screenshot(browser, "01-assigned")

    ack = browser.find_element(By.ID, "acknowledge-form")
    ack.find_element(By.NAME, "officer").send_keys("Rina Mokodompit")
    submit(browser, ack)

    status = browser.find_element(By.ID, "status")
    assert status.get_attribute("data-status") == "in_progress"
    assert "Laporan diterima" in browser.find_element(By.CSS_SELECTOR, ".notice").text
    assert my_report(local_stack, report["id"])["status"] == "in_progress"
    screenshot(browser, "02-in-progress")

    photo = tmp_path / "sesudah.jpg"
    photo.write_bytes(camera_photo(INSIDE, datetime.now(UTC)))
    form = browser.find_element(By.ID, "after-photo")
    key = form.find_element(By.NAME, "key").get_attribute("value")
    assert key == f"after/{report['id']}/1"
    form.find_element(By.NAME, "file").send_keys(str(photo))
    submit(browser, form)

    # S3 answered 303 back to the page.
    assert browser.current_url.startswith(link + "?uploaded=1")
    assert "Foto sesudah diterima" in browser.find_element(By.CSS_SELECTOR, ".notice").text
    s3 = local_stack.client("s3")
    stored = s3.get_object(Bucket=local_stack.resources["PhotosBucket"], Key=key)["Body"].read()
    assert stored == photo.read_bytes()
    screenshot(browser, "03-after-photo-uploaded")
    # The photo function checks it (in the city, near the report's place): the page shows it.
    deadline = time.monotonic() + 30
    while "(diterima)" not in browser.find_element(By.TAG_NAME, "main").text:
        assert time.monotonic() < deadline, "the after photo was not accepted in 30 s"
        time.sleep(0.5)
        browser.refresh()
    screenshot(browser, "03b-after-photo-accepted")

    resolve = browser.find_element(By.ID, "resolve-form")
    resolve.find_element(By.CSS_SELECTOR, "input[name=outcome][value=fixed]").click()
    resolve.find_element(By.NAME, "reason").send_keys("Sampah sudah diangkut truk DLH.")
    resolve.find_element(By.NAME, "officer").send_keys("Rina Mokodompit")
    submit(browser, resolve)

    assert browser.find_element(By.ID, "status").get_attribute("data-status") == "resolved"
    assert browser.find_elements(By.ID, "no-actions")
    screenshot(browser, "04-resolved")
    mine = my_report(local_stack, report["id"])
    assert mine["status"] == "resolved"
    assert [e["to"] for e in mine["timeline"] if e["type"] == "status"][-2:] == [
        "in_progress",
        "resolved",
    ]

    # A second officer posting the acknowledgement from an older copy of the page: 409.
    late = requests.post(link, data={"action": "acknowledge", "officer": "Budi"}, timeout=10)
    assert late.status_code == 409
    assert "Tindakan tidak berlaku lagi" in late.text
    assert my_report(local_stack, report["id"])["status"] == "resolved"


def test_a_forged_and_an_expired_link_show_their_pages_on_a_phone(local_stack, browser):
    report = file_report(local_stack)
    link = agency_link(local_stack, report)
    from selenium.webdriver.common.by import By

    browser.get(link)
    # What the citizen typed is shown as text, never as markup.
    assert "<b>tanpa pemberitahuan</b>" in browser.find_element(By.TAG_NAME, "main").text
    assert not browser.find_elements(By.XPATH, "//dd[contains(., 'tanpa pemberitahuan')]/*")

    browser.get(link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB"))
    assert "Tautan tidak sah" in browser.find_element(By.TAG_NAME, "h1").text
    screenshot(browser, "05-forged")

    secret = links.load_secret(
        local_stack.client("secretsmanager"), local_stack.resources["AgencyLinkSecret"]
    )
    late = links.sign(secret, report["id"], "DINKES", datetime.now(UTC) - timedelta(minutes=1))
    browser.get(f"{local_stack.url}/agency/r/{late}")
    assert "kedaluwarsa" in browser.find_element(By.TAG_NAME, "h1").text
    screenshot(browser, "06-expired")
    before = len(agency_emails(local_stack, report))
    submit(browser, browser.find_element(By.TAG_NAME, "form"))
    assert "Tautan baru dikirim" in browser.find_element(By.TAG_NAME, "h1").text
    assert my_report(local_stack, report["id"])["status"] == "assigned"  # nothing changed
    # The fresh link went to the agency's own subscriptions (the outbox), not to the browser.
    deadline = time.monotonic() + 10
    while len(emails := agency_emails(local_stack, report)) == before:
        assert time.monotonic() < deadline, "no fresh link in the outbox"
        time.sleep(0.2)
    fresh = emails[-1]
    assert fresh["attributes"]["agency"] == "DINKES"
    assert late not in fresh["body"]
    assert "/agency/r/" in fresh["body"]
    assert "/agency/r/" not in browser.page_source


def agency_emails(stack: Any, report: dict[str, Any]) -> list[dict[str, Any]]:
    outbox = requests.get(f"{stack.url}/_local/outbox", timeout=5).json()["messages"]
    return [
        m
        for m in outbox
        if m["channel"] == "email" and report["tracking_code"] in (m.get("body") or "")
    ]
