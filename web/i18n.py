"""Page labels in Chinese (the default) and English; the customer's text is never here."""

from __future__ import annotations

from flask import request, session

__all__ = ["LABELS", "page_lang", "t"]

LABELS: dict[str, dict[str, str]] = {
    "app": {"zh": "kgdiag 售后诊断", "en": "kgdiag after-sales diagnosis"},
    "login": {"zh": "登录", "en": "Log in"},
    "logout": {"zh": "退出", "en": "Log out"},
    "token": {"zh": "访问令牌", "en": "Access token"},
    "bad_token": {"zh": "令牌无效或已吊销", "en": "Unknown or revoked token"},
    "console": {"zh": "客服工作台", "en": "Agent console"},
    "order_json": {"zh": "订单（JSON，或店铺订单行）", "en": "Order (JSON, or a shop's order row)"},
    "order_source": {"zh": "订单来源", "en": "Order source"},
    "facts": {"zh": "订单事实（kgdiag 格式）", "en": "Order facts (kgdiag format)"},
    "message": {"zh": "客户原话", "en": "Customer's words"},
    "diagnose": {"zh": "诊断", "en": "Diagnose"},
    "symptom": {"zh": "问题", "en": "Symptom"},
    "causes": {"zh": "可能原因", "en": "Likely causes"},
    "checks": {"zh": "排查清单", "en": "Checklist"},
    "resolution": {"zh": "处理方案", "en": "Resolution"},
    "reply": {"zh": "回复客户", "en": "Reply to the customer"},
    "copy": {"zh": "复制回复", "en": "Copy reply"},
    "copied": {"zh": "已复制", "en": "Copied"},
    "priority": {"zh": "优先级", "en": "Priority"},
    "answer_by": {"zh": "最晚回复", "en": "Answer by"},
    "solve_by": {"zh": "最晚解决", "en": "Solve by"},
    "similar": {"zh": "相似历史案例", "en": "Similar past cases"},
    "none": {"zh": "无", "en": "none"},
    "bad_json": {"zh": "订单不是有效的 JSON", "en": "The order is not valid JSON"},
    "switch": {"zh": "English", "en": "中文"},
}


def page_lang() -> str:
    """``?lang=`` switches and is remembered in the session; Chinese by default."""
    wanted = request.args.get("lang")
    if wanted in ("zh", "en"):
        session["lang"] = wanted
    lang = session.get("lang", "zh")
    return lang if lang in ("zh", "en") else "zh"


def t(key: str) -> str:
    """The label ``key`` in the page's language."""
    return LABELS[key][page_lang()]
