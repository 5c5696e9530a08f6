"""Pages in Chinese by default and in English when switched; login; errors rendered as pages."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import login


def test_home_is_chinese_by_default_and_lists_demo_users(client, db):
    page = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in page
    assert "邻里社区公共服务平台" in page and "演示用户" in page
    assert "linli2026" in page


def test_switch_to_english_and_back(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    page = response.content.decode()
    assert '<html lang="en">' in page and "Demo users" in page
    page = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"}, follow=True).content.decode()
    assert "演示用户" in page


def test_login_with_password_and_role_shown(client, users):
    response = client.post("/login/", {"username": "town", "password": "pw-town"}, follow=True)
    page = response.content.decode()
    assert "街道、乡镇工作人员" in page
    assert "/areas/" in page  # the navigation offers the area browser to staff


def test_wrong_password_is_refused(client, users):
    response = client.post("/login/", {"username": "town", "password": "nope"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_pages_need_login_and_rights(client, users, area_tree):
    assert client.get("/areas/").status_code == 302
    login(client, users["resident"])
    response = client.get("/areas/990102000000/")
    assert response.status_code == 403
    assert "您无权进行此操作" in response.content.decode()
    client.force_login(users["town"])
    assert client.get("/areas/990102002000/").status_code == 404
    assert client.get("/areas/import/").status_code == 403


def test_area_browser_starts_at_the_scope_root(client, users, area_tree):
    login(client, users["town"])
    response = client.get("/areas/")
    assert response.status_code == 302 and response.url == "/areas/990102001000/"
    page = client.get(response.url).content.decode()
    assert "东湖街道" in page and "东湖社区" in page and "湖滨社区" in page
    assert "西山社区" not in page
    assert 'data-value="5500"' in page


def test_import_page_shows_a_bad_file_type(client, users):
    login(client, users["district"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post("/areas/import/", {"file": SimpleUploadedFile("a.csv", b"x,y")})
    assert response.status_code == 400
    assert "请上传按模板填写的 Excel 文件" in response.content.decode()
    template = client.get("/areas/template.xlsx")
    assert template["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext is not installed")
def test_compiled_translations_are_up_to_date(tmp_path):
    """Every committed .mo (the main catalogue and each app's own) must be what its .po compiles to (run
    `make messages` after editing one)."""
    root = Path(settings.LOCALE_PATHS[0]).parent
    catalogues = sorted(root.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))
    assert Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES" / "django.po" in catalogues
    for po in catalogues:
        out = tmp_path / "django.mo"
        subprocess.run(["msgfmt", "--check-format", "-o", str(out), str(po)], check=True)
        assert out.read_bytes() == po.with_suffix(".mo").read_bytes(), po


def test_an_english_browser_still_gets_chinese_pages_but_the_api_follows_it(client, db):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in page
    response = client.get("/api/services/near", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["message"] == "Give lon and lat, or an area code."
    response = client.get("/api/services/near")
    assert response.json()["message"] == "请提供经纬度或区划代码。"


def test_unknown_page_and_forbidden_page_speak_the_users_language(client, users):
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404 and "这个页面不存在" in missing.content.decode()
    login(client, users["resident"])
    forbidden = client.get("/people/")  # residents may not list people
    assert forbidden.status_code == 403
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "This page does not exist." in client.get("/no-such-page/").content.decode()


def test_home_shows_no_accounts_when_no_app_registers_them(client, db, monkeypatch):
    """core imports no upper app: the demo accounts come from linli.demo's registration."""
    from linli.core import signin

    monkeypatch.setattr(signin, "_hint", None)
    page = client.get("/").content.decode()
    assert "linli2026" not in page and "演示用户" not in page


def _catalogue(po: Path) -> dict[tuple[str, str], str]:
    """(context, msgid) -> msgstr of the singular entries of a .po file that are translated."""
    entries = {}
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        found = re.search(r'^(?:msgctxt "(.*)"\n)?msgid ((?:".*"\n?)+)msgstr ((?:".*"\n?)+)', block, re.M)
        if found is None or "msgid_plural" in block or block.lstrip().startswith("#~"):
            continue
        msgid = "".join(re.findall(r'"(.*)"', found.group(2)))
        msgstr = "".join(re.findall(r'"(.*)"', found.group(3)))
        if msgid and msgstr:
            entries[(found.group(1) or "", msgid)] = msgstr
    return entries


def test_no_message_is_translated_two_ways():
    """Django merges every catalogue into one: the same English text translated differently in two of them
    shows only one of the two, whichever catalogue wins. A word that means two things takes a context
    (`pgettext`, `{% translate "..." context "..." %}`)."""
    root = Path(settings.LOCALE_PATHS[0]).parent
    seen: dict[tuple[str, str], tuple[str, Path]] = {}
    clashes = []
    for po in sorted(root.glob("**/locale/zh_Hans/LC_MESSAGES/django.po")):
        for key, msgstr in _catalogue(po).items():
            if key in seen and seen[key][0] != msgstr:
                clashes.append(f"{key[1]!r}: {seen[key][0]} ({seen[key][1].parts[-5]}) / {msgstr} ({po.parts[-5]})")
            seen.setdefault(key, (msgstr, po))
    assert clashes == []
