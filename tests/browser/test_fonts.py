"""The tofu check the screenshots rely on can tell a missing CJK font."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from .conftest import CHROMIUM, NO_TOFU

LATIN = Path("/usr/share/fonts/truetype/dejavu")
PAGE = "<body style=\"font-family: 'Noto Sans CJK SC', sans-serif\">卡密无效</body>"


def _renders_chinese(browser: Any, env: dict[str, str]) -> bool:
    """A second chromium (same playwright) with its own fontconfig environment."""
    launched = browser.browser_type.launch(executable_path=CHROMIUM, args=["--no-sandbox"], env=env)
    page = launched.new_page()
    page.set_content(PAGE)
    found = bool(page.evaluate(NO_TOFU))
    launched.close()
    return found


def test_the_tofu_check_sees_missing_fonts(browser: Any, tmp_path: Path) -> None:
    assert _renders_chinese(browser, dict(os.environ))
    if not LATIN.is_dir():
        pytest.skip(f"{LATIN} is missing: no Latin-only font set to compare with")
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f"<dir>{LATIN}</dir><cachedir>{tmp_path}/cache</cachedir></fontconfig>"
    )
    assert not _renders_chinese(browser, {**os.environ, "FONTCONFIG_FILE": str(config)})
