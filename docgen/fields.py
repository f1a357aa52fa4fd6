"""The vocabulary of form fields: every name a template may use, with its label.

`onsite` fields are only known at the firm (or, for results, after testing), so a pre-trip
(blank) packet leaves them blank. A list field (`items`) holds entries with those keys, for a
Table block's rows ({%tr for item in result.failed_items %}); `nested` lists hold rows
of entries.
The same names are the variables of the Word templates ({{ enterprise.name }}) and the
placeholders of the form specs ({enterprise.name}); a template override is linted against them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    path: str
    label: str
    onsite: bool = False
    underline: bool = True  # in running text a value is underlined, like a filled-in blank
    items: tuple[str, ...] = ()  # a list field: the keys of each entry
    nested: bool = False  # a list of rows, each a list of entries (label sheets)


def _party(prefix: str, who: str, onsite: bool = False, **extra: str) -> list[Field]:
    names = {"name": "名称", "address": "地址", "postal_code": "邮政编码", "phone": "电话",
             "contact": "联系人", **extra}
    return [Field(f"{prefix}.{key}", f"{who}{label}", onsite) for key, label in names.items()]


_FIELDS: list[Field] = [
    *_party("agency", "组织监督抽查部门", short_name="机关代字"),
    *_party("institution", "承检机构", cma_no="资质认定证书编号"),
    Field("task.code", "任务编号"),
    Field("task.name", "任务名称"),
    Field("task.level", "抽查级别"),
    Field("task.category", "任务类别"),
    Field("task.category_boxes", "任务类别"),
    Field("task.source", "任务来源"),
    Field("task.plan_doc_no", "计划文号"),
    Field("task.product_category", "抽查产品类别"),
    Field("task.valid_from", "通知书有效期起"),
    Field("task.valid_to", "通知书有效期止"),
    Field("task.basis", "抽检依据"),
    Field("task.result_due", "结果报送期限"),
    Field("task.year", "年度"),
    Field("samplers.names", "抽样人员"),
    Field("samplers.with_ids", "抽样人员及证件号"),
    Field("trip_date", "抽样日期（计划）"),
    Field("issue_date", "签发日期"),
    Field("sample_no", "抽样单编号"),
    Field("notice_no", "通知书编号"),
    *_party("enterprise", "受检单位", credit_code="统一社会信用代码", legal_rep="法定代表人",
            role="受检单位类型"),
    Field("enterprise.role_boxes", "受检单位类型"),
    *_party("manufacturer", "标称生产者", credit_code="统一社会信用代码",
            legal_rep="法定代表人"),
    Field("product.name", "产品名称", True),
    Field("product.trademark", "商标", True),
    Field("product.model", "规格型号", True),
    Field("product.batch", "生产日期/批号", True),
    Field("product.production_date", "生产日期", True),
    Field("product.grade", "产品等级", True),
    Field("product.standard", "执行标准", True),
    Field("product.license_type", "证书类型", True),
    Field("product.license_boxes", "证书类型", True),
    Field("product.license_no", "证书编号", True),
    Field("quantity.test", "检验样品数量", True),
    Field("quantity.backup", "备用样品数量", True),
    Field("quantity.base", "抽样基数", True),
    Field("quantity.bought", "购买数量", True),
    Field("quantity.unit", "计量单位", True),
    Field("price.unit", "单价", True),
    Field("price.amount", "金额", True),
    Field("price.amount_upper", "金额（大写）", True),
    Field("sampled_at", "抽样时间", True),
    Field("sampled_on", "抽样日期", True),
    Field("place", "抽样地点", True),
    Field("seal.seal_no", "封样编号", True),
    Field("seal.backup_location", "备样封存地点", True),
    Field("seal.state_boxes", "封样状态", True),
    Field("send_to", "寄送样品地点"),
    Field("send_by", "寄送样品截止日期", True),
    Field("online.platform", "电商平台", True),
    Field("online.shop", "网店名称", True),
    Field("online.url", "商品网页地址", True),
    Field("online.order_no", "订单号", True),
    Field("online.paid", "实付金额", True),
    Field("online.ordered_at", "下单时间", True),
    Field("refusal.description", "拒检过程描述", True),
    Field("refusal.witnesses", "见证人", True),
    Field("no_sample.reason", "未抽样原因", True),
    Field("no_sample.reason_boxes", "未抽样原因", True),
    Field("no_sample.description", "过程简要描述", True),
    Field("terms.invoice_within", "发票寄送期限"),
    Field("terms.backup_hold", "备样保存期限"),
    Field("terms.objection_days", "异议期限（日）"),
    Field("terms.complaint_phone", "投诉电话"),
    *_party("sender", "寄件单位"),
    Field("enterprise.postal_digits", "受检单位邮政编码（逐位，六位）"),
    Field("result.notice_no", "检验结果通知书编号", True),
    Field("result.conclusion", "检验结论", True),
    Field("result.report_no", "检验报告编号", True),
    Field("result.report_date", "检验报告日期", True),
    Field("result.failed_items", "不合格项目", True,
          items=("no", "item", "requirement", "measured", "verdict")),
    Field("result.statement", "检验结果说明", underline=False),
    Field("result.backup_disposal", "备用样品处置", underline=False),
    Field("result.reply_boxes", "回执意见"),
    Field("result.remarks", "检验结果备注", True),
    Field("service.method_boxes", "送达方式"),
    Field("ems_no", "EMS邮件号码"),
    Field("labels", "地址标签（按行）", underline=False, nested=True,
          items=("postal_code", "address", "addressee", "contact", "sample_line")),
    Field("copy.label", "联次"),
    Field("copy.holder", "联次用途"),
    Field("copies_note", "联次说明", underline=False),
    Field("form_title", "表单名称", underline=False),
]

FIELDS: dict[str, Field] = {f.path: f for f in _FIELDS}


def label(path: str) -> str:
    """A field's template tag with its Chinese label ('enterprise.credit_code（统一社会信用代码）'),
    for Word template authors, who write the tag."""
    field = FIELDS.get(path)
    return f"{path}（{field.label}）" if field else path


# Paths of records and inputs that are not form fields, and sections, by their Chinese names.
_LABELS = {
    "outcome": "抽样结果", "unit_price": "单价", "photos": "照片", "photos.file": "照片文件",
    "photos.caption": "照片说明", "samplers": "抽样人员", "samplings": "抽样记录",
    "trip": "文件", "agency": "组织监督抽查部门", "institution": "承检机构", "task": "任务信息",
    "enterprise": "受检单位", "manufacturer": "标称生产者", "product": "产品信息",
    "quantity": "样品数量", "seal": "封样信息", "online": "网络抽样信息", "refusal": "拒检情况",
    "no_sample": "未抽到样品情况", "result": "检验结果", "result.items": "不合格项目",
    "result.items.item": "不合格项目名称", "result.items.requirement": "标准要求",
    "result.items.measured": "实测值", "result.items.verdict": "单项判定",
    "result.lab_report": "检验报告文件", "enterprise.role": "受检单位类型",
    "manufacturer.role": "标称生产者类型", "correction.reason": "更正原因",
    "register": "企业名录",
}
_INDEX = re.compile(r"\[(\d+)\]")


def field_label(path: str) -> str:
    """The Chinese label a user sees for a record's field or section ('统一社会信用代码'),
    never the internal path; 'photos[2].file' → '照片文件（第2项）'."""
    numbers = _INDEX.findall(path)
    bare = _INDEX.sub("", path)
    name = _LABELS.get(bare) or (FIELDS[bare].label if bare in FIELDS else None)
    if name is None:
        head = bare.split(".")[0]
        name = _LABELS.get(head) or (FIELDS[head].label if head in FIELDS else "其他")
    return f"{name}（第{numbers[-1]}项）" if numbers else name
