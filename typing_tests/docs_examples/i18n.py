"""Generated from docs/i18n.md by scripts/extract_docs_examples.py: do not edit."""

from salesorder.errors import IllegalTransition
from salesorder.i18n import Language, negotiate

assert negotiate("zh-HK") == Language("zh_Hant", "zh_HK")
assert negotiate("zh_SG").catalog == "zh_Hans"
assert negotiate("fr_FR") == Language("en", "en_US")     # no French catalog: English

error = IllegalTransition(state="confirmed", event="ship")
assert error.message("en") == "Event 'ship' is not allowed while the order is 'confirmed'."
assert error.message("zh_CN") == "订单处于“已确认”状态时不允许执行“发货”。"
assert error.message("zh_TW") == "訂單處於「已確認」狀態時不允許執行「發貨」。"
assert error.message("fr") == error.message("en")

from salesorder.i18n import negotiate_accept_language

assert negotiate_accept_language("zh-TW,zh;q=0.9,en;q=0.8").catalog == "zh_Hant"
assert negotiate_accept_language("fr-FR, zh-CN;q=0.5").catalog == "zh_Hans"

from salesorder.errors import SalesOrderError
from salesorder.money import to_decimal

try:
    to_decimal("12,5", what="quantity")
except SalesOrderError as error:
    assert error.params == {"reason": "{what} is not a number", "what": "quantity"}
    assert error.message("en") == "Not a valid money amount: quantity is not a number."
    assert error.message("zh_CN") == "金额无效：数量不是数字。"
    assert error.message("zh_TW") == "金額無效：數量不是數字。"

import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from salesorder import i18n
from salesorder.errors import IllegalTransition

# A host would build its catalog with its own tools; here one entry, written on the fly.
catalog = Catalog(locale="fr", domain="salesorder")
catalog.add(
    "Event '{event}' is not allowed while the order is '{state}'.",
    "L'événement « {event} » est refusé : la commande est « {state} ».",
    context="lifecycle.illegal_transition",
)
catalog.add("confirmed", "confirmée", context="term")
folder = Path(tempfile.mkdtemp())
(folder / "fr" / "LC_MESSAGES").mkdir(parents=True)
with (folder / "fr" / "LC_MESSAGES" / "salesorder.mo").open("wb") as handle:
    write_mo(handle, catalog)

i18n.add_catalogs(folder)
error = IllegalTransition(state="confirmed", event="ship")
assert error.message("fr_CA") == "L'événement « ship » est refusé : la commande est « confirmée »."
i18n.remove_catalogs(folder)
