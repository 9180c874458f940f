"""The staff console in headless Chromium: usage `console_test.py BASE_URL SHOTS_DIR`.

Signs in as each demo role and works through this sitting's pages. Fails on any console
error or uncaught exception, on a server error, and on any request to another origin.
Chromium logs every 4xx answer to fetch as a console error ("Failed to load resource");
the answers this test provokes on purpose (401, 403, 409, 422 from the API) are the only ones
let through, and only for /api/v1.
"""

import re
import sys
from urllib.parse import urlparse

from playwright.sync_api import expect, sync_playwright

BASE = sys.argv[1].rstrip("/")
SHOTS = sys.argv[2]
PASSWORD = "Tongxin-Demo-2026"
ORIGIN = urlparse(BASE).netloc

problems = []
expected_statuses = {401, 403, 409, 422}
api_statuses = []


def watch(page):
    def on_console(msg):
        if msg.type != "error":
            return
        text = msg.text
        status = re.search(r"status of (\d{3})", text)
        if text.startswith("Failed to load resource") and status and int(status.group(1)) in expected_statuses:
            return
        problems.append(f"console error: {text} at {msg.location}")

    def on_request(request):
        url = urlparse(request.url)
        if url.scheme in ("data", "blob"):
            return
        if url.netloc != ORIGIN:
            problems.append(f"request to another origin: {request.url}")

    def on_response(response):
        path = urlparse(response.url).path
        if response.status >= 500:
            problems.append(f"server error {response.status}: {response.url}")
        elif response.status >= 400 and not (path.startswith("/api/v1/") and response.status in expected_statuses):
            problems.append(f"unexpected {response.status}: {response.url}")
        if path.startswith("/api/v1/"):
            api_statuses.append((response.request.method, path, response.status))

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("request", on_request)
    page.on("response", on_response)


def shot(page, name, full_page=True):
    page.screenshot(path=f"{SHOTS}/{name}.png", full_page=full_page)


def sign_in(page, username, password=PASSWORD):
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()


def sign_out(page):
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("heading", name="登录工作台")).to_be_visible()


def main():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        # A browser far from the county: dates must still be shown in Asia/Shanghai.
        context = browser.new_context(
            locale="zh-CN", timezone_id="America/New_York", viewport={"width": 1280, "height": 800}
        )
        page = context.new_page()
        watch(page)

        # A deep link opens sign-in first, then the page it names.
        loaded = []

        def on_finished(request):
            loaded.append(request)

        page.on("requestfinished", on_finished)
        page.goto(f"{BASE}/console/contents")
        expect(page.get_by_role("heading", name="登录工作台")).to_be_visible()
        page.wait_for_load_state("networkidle")
        page.remove_listener("requestfinished", on_finished)
        sizes = [r.sizes() for r in loaded]
        print(
            f"sign-in page: {len(loaded)} requests, "
            f"{sum(s['responseBodySize'] for s in sizes)} bytes of bodies as transferred (compressed), "
            f"{sum(s['responseBodySize'] + s['responseHeadersSize'] for s in sizes)} with headers"
        )
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
        shot(page, "sign-in")

        # Editor: my items by status.
        sign_in(page, "editor")
        expect(page.get_by_role("heading", name="我的内容")).to_be_visible()
        expect(page.get_by_role("navigation")).not_to_contain_text("成员管理")
        rows = page.locator("table.data tbody tr")
        expect(rows.first).to_be_visible()
        total = rows.count()
        assert total > 0, "the editor sees their items"
        page.get_by_role("button", name=re.compile("^已发布")).click()
        expect(page.locator("table.data tbody tr").first).to_contain_text("已发布")
        page.get_by_role("button", name=re.compile("^全部")).click()
        expect(rows).to_have_count(total)
        shot(page, "editor-items", full_page=False)
        sign_out(page)

        # Reviewer: the review queue. The demo has one article in review; the editor submits
        # a second one through the API, so one can be rejected and one approved.
        login = page.request.post(f"{BASE}/api/v1/auth/login", data={"username": "editor", "password": PASSWORD})
        assert login.ok, login.text()
        bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
        created = page.request.post(
            f"{BASE}/api/v1/admin/contents",
            headers=bearer,
            data={
                "kind": "article",
                "title": "审核队列测试文章",
                "body_markdown": "## 石榴籽\n\n各民族像石榴籽一样紧紧抱在一起。",
                "topic": "ethnic-view",
                "audiences": ["public"],
            },
        )
        assert created.ok, created.text()
        submitted = page.request.post(f"{BASE}/api/v1/admin/contents/{created.json()['id']}/submit", headers=bearer)
        assert submitted.ok, submitted.text()
        sign_in(page, "reviewer")
        page.get_by_role("link", name="审核队列").click()
        expect(page.get_by_role("heading", name="审核队列", level=1)).to_be_visible()
        items = page.locator("li.review-item")
        expect(items.first).to_be_visible()
        count = items.count()
        assert count >= 2, f"the queue has {count} items"
        shot(page, "review-queue")
        # Reject the one the editor just sent, with a reason.
        mine = items.filter(has_text="审核队列测试文章")
        expect(mine).to_have_count(1)
        mine.get_by_role("button", name="退回…").click()
        mine.get_by_label("退回理由（必填）").fill("请补充史料出处")
        mine.get_by_role("button", name="确认退回").click()
        expect(page.get_by_role("status")).to_contain_text("已退回给作者：审核队列测试文章")
        expect(items.filter(has_text="审核队列测试文章")).to_have_count(0)
        expect(items).to_have_count(count - 1)
        # Approve the oldest approvable one for a time in Beijing.
        other = items.filter(has=page.get_by_role("button", name="立即通过", disabled=False)).first
        title = other.get_by_role("heading").inner_text()
        other.get_by_label("发布时间（北京时间）").fill("2030-01-02T09:30")
        other.get_by_role("button", name="通过并定时发布").click()
        expect(page.get_by_role("status")).to_contain_text(f"已通过：{title}")
        expect(page.get_by_role("status")).to_contain_text("2030年1月2日 09:30")
        expect(items).to_have_count(count - 2)
        sign_out(page)

        # Admin: their own item cannot be approved (four eyes) and the page says why; an
        # item approved meanwhile by someone else is refused (409) and the error is shown.
        def submit_article(username, title):
            login = page.request.post(f"{BASE}/api/v1/auth/login", data={"username": username, "password": PASSWORD})
            assert login.ok, login.text()
            auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
            made = page.request.post(
                f"{BASE}/api/v1/admin/contents",
                headers=auth,
                data={"kind": "article", "title": title, "body_markdown": "正文", "topic": "ethnic-view", "audiences": ["public"]},
            )
            assert made.ok, made.text()
            sent = page.request.post(f"{BASE}/api/v1/admin/contents/{made.json()['id']}/submit", headers=auth)
            assert sent.ok, sent.text()
            return made.json()["id"]

        submit_article("admin", "管理员自己的文章")
        raced = submit_article("editor", "已被他人审核的文章")
        sign_in(page, "admin")
        page.get_by_role("link", name="审核队列").click()
        own = page.locator("li.review-item", has_text="管理员自己的文章")
        expect(own).to_contain_text("不能审核自己")
        expect(own.get_by_role("button", name="立即通过")).to_be_disabled()
        expect(own.get_by_role("button", name="通过并定时发布")).to_be_disabled()
        shot(page, "review-own-work", full_page=False)
        login = page.request.post(f"{BASE}/api/v1/auth/login", data={"username": "reviewer", "password": PASSWORD})
        approved = page.request.post(
            f"{BASE}/api/v1/admin/contents/{raced}/approve",
            headers={"Authorization": f"Bearer {login.json()['access_token']}"},
            data={},
        )
        assert approved.ok, approved.text()
        late = page.locator("li.review-item", has_text="已被他人审核的文章")
        late.get_by_role("button", name="立即通过").click()
        expect(page.get_by_role("alert")).to_contain_text("已被他人审核的文章")
        expect(late).to_have_count(1)
        sign_out(page)

        # Org admin: members, a learner's password reset.
        sign_in(page, "town_admin")
        expect(page.get_by_role("link", name="成员管理")).to_be_visible()
        expect(page.get_by_role("navigation")).not_to_contain_text("我的内容")
        page.get_by_role("link", name="成员管理").click()
        expect(page.get_by_role("heading", name="成员管理")).to_be_visible()
        # Longer than an access token lives (6 s here): the session is kept alive by rotation.
        page.wait_for_timeout(8000)
        page.get_by_label("姓名或用户名").fill("xiaoming")
        page.get_by_role("button", name="查询").click()
        row = page.locator("table.data tbody tr", has_text="xiaoming")
        expect(row).to_have_count(1)
        row.get_by_role("button", name=re.compile("的密码$")).click()
        row.get_by_role("button", name="确认重置").click()
        secret = page.locator(".secret code.password")
        expect(secret).to_be_visible()
        temporary = secret.inner_text().strip()
        assert len(temporary) >= 8, temporary
        expect(page.locator(".secret")).to_contain_text("有效期至")
        shot(page, "members-reset")

        # Roster: one bad row is named; then a good roster lists the usernames.
        page.get_by_role("link", name="班级名单导入").click()
        expect(page.get_by_role("heading", name="班级名单导入")).to_be_visible()
        unit = page.get_by_label("导入到（班级或单位）")
        expect(unit.locator("option", has_text="三年级一班")).to_have_count(1)
        value = unit.locator("option", has_text="三年级一班").get_attribute("value")
        unit.select_option(value)
        header = "display_name,birth_year,audience,student_number,guardian_consent\n"
        page.get_by_label("名单（CSV）").fill(header + "王小红,2017,primary,S-901,true\n李小刚,20x7,primary,S-902,true\n")
        page.get_by_role("button", name="导入").click()
        errors = page.locator("table.errors tbody tr")
        expect(errors).to_have_count(1)
        expect(errors.first.locator("td").first).to_have_text("3")
        expect(errors.first).to_contain_text("birth_year")
        shot(page, "roster-errors")
        page.get_by_label("名单（CSV）").fill(header + "王小红,2017,primary,S-901,true\n李小刚,2017,primary,S-902,true\n")
        page.get_by_role("button", name="导入").click()
        created = page.locator("table.data", has_text="初始密码").locator("tbody tr")
        expect(created).to_have_count(2)
        expect(created.first).to_contain_text("wangxiaohong")
        expect(created.nth(1)).to_contain_text("lixiaogang")
        expect(page.get_by_role("button", name="打印账号条")).to_be_visible()
        shot(page, "roster-imported")
        page.emulate_media(media="print")
        expect(page.locator(".slip")).to_have_count(2)
        shot(page, "roster-print")
        page.emulate_media(media="screen")

        # The teacher's view: the class, sorted by study time, this week's inactive pupils, CSV.
        page.get_by_role("link", name="学习情况").click()
        expect(page.get_by_role("heading", name="学员学习情况")).to_be_visible()
        unit = page.get_by_label("单位", exact=True)
        unit.select_option(unit.locator("option", has_text="三年级一班").get_attribute("value"))
        table = page.locator("table.data tbody tr")
        expect(table.filter(has_text="wangxiaohong01")).to_have_count(1)
        page.get_by_role("button", name=re.compile("^学习时长")).click()
        expect(page.get_by_role("columnheader", name=re.compile("学习时长"))).to_have_attribute("aria-sort", "descending")
        page.get_by_role("button", name="本周未学习").click()
        expect(page.get_by_label("范围")).to_have_value("true")
        expect(table.filter(has_text="lixiaogang01")).to_have_count(1)
        shot(page, "progress")
        with page.expect_download() as download_info:
            page.get_by_role("button", name="下载 CSV").click()
        csv_bytes = open(download_info.value.path(), "rb").read()
        assert csv_bytes.startswith(b"\xef\xbb\xbf"), "the CSV starts with a BOM"
        assert "李小刚" in csv_bytes.decode("utf-8"), "the CSV keeps Chinese names"

        # English labels, remembered after a reload (which signs out).
        page.get_by_role("button", name="English").click()
        expect(page.get_by_role("heading", name="Learners' progress")).to_be_visible()
        expect(page.get_by_role("columnheader", name=re.compile("Study time"))).to_be_visible()
        expect(page.get_by_role("link", name="Members")).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.get_by_role("link", name="Members").click()
        expect(page.get_by_role("columnheader", name="Username")).to_be_visible()
        shot(page, "members-en")
        page.reload()
        expect(page.get_by_role("heading", name="Sign in to the console")).to_be_visible()
        page.get_by_role("button", name="中文").click()
        expect(page.get_by_role("heading", name="登录工作台")).to_be_visible()

        # A learner with the temporary password: chooses a new one, then is told the
        # console is for staff.
        sign_in(page, "xiaoming", temporary)
        expect(page.get_by_role("heading", name="设置新密码")).to_be_visible()
        page.get_by_label("新密码", exact=True).fill("Xiaoming-New-2026")
        page.get_by_label("再次输入新密码").fill("Xiaoming-New-2026")
        page.get_by_role("button", name="保存新密码并登录").click()
        expect(page.get_by_role("alert")).to_contain_text("工作台仅供工作人员使用")
        expect(page.get_by_role("heading", name="登录工作台")).to_be_visible()
        shot(page, "learner-refused")

        # Wrong password: said plainly.
        page.reload()
        sign_in(page, "editor", "not-the-password")
        expect(page.get_by_role("alert")).to_contain_text("用户名或密码不正确")

        # Nothing sensitive in storage.
        stored = page.evaluate("JSON.stringify(Object.entries(localStorage).concat(Object.entries(sessionStorage)))")
        for secret_text in (PASSWORD, temporary, "access_token", "refresh_token", "eyJ"):
            assert secret_text not in stored, f"{secret_text!r} is in web storage: {stored}"

        browser.close()

    calls = sorted({f"{m} {re.sub(r'/[0-9]+', '/{id}', p)} {s}" for m, p, s in api_statuses})
    print("API calls made:\n  " + "\n  ".join(calls))
    if "POST /api/v1/auth/refresh 200" not in calls:
        problems.append("the console never refreshed its access token")
    if problems:
        print("FAILED:\n  " + "\n  ".join(problems))
        sys.exit(1)
    print("console browser test: ok")


if __name__ == "__main__":
    main()
