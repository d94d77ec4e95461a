#!/usr/bin/env python3
"""Look at pgAdmin as a person would, in headless Chromium (Debian's, driven by Playwright):
open URL, expand the Object Explorer by clicking its toggles down to
Servers > SERVER > Databases > DB > Schemas > public > Tables > TABLE, then ask pgAdmin to
count the table's rows (the table's context menu, "Count Rows") and read its answer.

    pgadmin.py URL SERVER DB TABLE SCREENSHOT.png

Prints what pgAdmin showed, one "key=value" a line (server=, table=, counted=), or
"error=..." for the first thing it did not show; exits 0 only when all were seen.
"""
import re
import sys

from playwright.sync_api import Error, sync_playwright

CHROMIUM = "/usr/bin/chromium"
DEADLINE_MS = 60_000


def entry(page, name):
    """The tree row whose label is exactly NAME."""
    label = page.locator(".file-name").get_by_text(name, exact=True)
    return page.locator(".file-entry").filter(has=label).first


def expand(page, name, child):
    """Opens NAME's toggle (pgAdmin opens some by itself: a click would close them again)
    until CHILD shows under it."""
    node = entry(page, name)
    node.wait_for(timeout=DEADLINE_MS)
    toggle = node.locator(".directory-toggle")
    for _ in range(DEADLINE_MS // 1000):
        if entry(page, child).is_visible():
            return
        if "open" not in (toggle.get_attribute("class") or "").split():
            toggle.click()
        page.wait_for_timeout(1000)
    raise Error(f"{child} does not show under {name}")


def count_rows(page, table):
    node = entry(page, table)
    node.click()
    node.click(button="right")
    page.get_by_text("Count Rows", exact=True).click()
    note = page.get_by_text(re.compile(r"Table rows counted: [\d,]+"))
    note.wait_for(timeout=DEADLINE_MS)
    return re.search(r"counted: ([\d,]+)", note.inner_text()).group(1).replace(",", "")


def main():
    url, server, db, table, screenshot = sys.argv[1:6]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        try:
            page.goto(url)
            expand(page, "Servers", server)
            print(f"server={server}", flush=True)
            path = [server, "Databases", db, "Schemas", "public", "Tables", table]
            for parent, child in zip(path, path[1:]):
                expand(page, parent, child)
            print(f"table={table}", flush=True)
            print(f"counted={count_rows(page, table)}", flush=True)
            return 0
        except Error as e:
            print(f"error={str(e).splitlines()[0]}")
            return 1
        finally:
            page.screenshot(path=screenshot)
            browser.close()


if __name__ == "__main__":
    sys.exit(main())
