"""The registry of form specs, keyed by form code (the codes are part of the CLI interface)."""
from __future__ import annotations

from docgen.spec import FormSpec
from docgen.specs.letters import AUTHORIZATION, NOTICE, SEAL_NOTICE
from docgen.specs.onsite import FEEDBACK, NO_SAMPLE, REFUSAL
from docgen.specs.results import ENVELOPE, LABEL_SHEET, RESULT_NOTICE, SERVICE_RECEIPT
from docgen.specs.slips import PAYMENT_SLIP, SAMPLING_SLIP

FORMS: dict[str, FormSpec] = {
    spec.code: spec
    for spec in (NOTICE, SAMPLING_SLIP, PAYMENT_SLIP, SEAL_NOTICE, REFUSAL, NO_SAMPLE,
                 FEEDBACK, AUTHORIZATION, RESULT_NOTICE, SERVICE_RECEIPT, ENVELOPE, LABEL_SHEET)
}

for _spec in FORMS.values():
    _spec.check()


class UnknownForm(KeyError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code

    def __str__(self) -> str:
        return f"未知的表单代码 {self.code!r}；可用：{', '.join(FORMS)}"


def get_form(code: str) -> FormSpec:
    try:
        return FORMS[code]
    except KeyError:
        raise UnknownForm(code) from None
