"""The columns of the sampling-record sheet (抽样记录) and the labels of its task sheet (任务信息):
each column's template header, the aliases bureaus use, the trip-dict path it fills."""
from __future__ import annotations

from pathlib import Path

from archive.sheets import Column

SAMPLINGS_SHEET = "抽样记录"
TASK_SHEET = "任务信息"
HELP_SHEET = "填写说明"
TEMPLATE = Path(__file__).resolve().parent / "templates" / "抽样记录导入模板.xlsx"


def _firm_columns(prefix: str, who: str, aliases: dict[str, tuple[str, ...]],
                  required: bool = False) -> list[Column]:
    return [
        Column(f"{who}名称", f"{prefix}.name", required, aliases.get("name", ())),
        Column("统一社会信用代码" if prefix == "enterprise" else f"{who}统一社会信用代码",
               f"{prefix}.credit_code", required, aliases.get("credit_code", ())),
        Column(f"{who}地址", f"{prefix}.address", False, aliases.get("address", ())),
        Column(f"{who}邮政编码", f"{prefix}.postal_code", False, aliases.get("postal_code", ())),
        Column(f"{who}法定代表人", f"{prefix}.legal_rep", False, aliases.get("legal_rep", ())),
        Column(f"{who}联系人", f"{prefix}.contact", False, aliases.get("contact", ())),
        Column(f"{who}联系电话", f"{prefix}.phone", False, aliases.get("phone", ())),
        Column(f"{who}类型", f"{prefix}.role", False, aliases.get("role", ())),
    ]


COLUMNS: list[Column] = [
    Column("抽样单编号", "sample_no", True, ("抽样单号", "抽样编号", "样品编号")),
    Column("抽样结果", "outcome", False, ("抽样情况", "结果")),
    Column("通知书编号", "notice_no", False, ("抽查通知书编号",)),
    *_firm_columns("enterprise", "受检单位", {
        "name": ("企业名称", "被抽样单位名称", "被抽样单位", "受检单位", "受检企业名称", "受检企业"),
        "credit_code": ("社会信用代码", "信用代码", "受检单位统一社会信用代码",
                        "被抽样单位统一社会信用代码"),
        "address": ("企业地址", "被抽样单位地址", "地址"),
        "postal_code": ("受检单位邮编", "企业邮编", "邮政编码", "邮编"),
        "legal_rep": ("法定代表人", "法人代表", "法人"),
        "contact": ("联系人", "企业联系人"),
        "phone": ("联系电话", "电话", "企业电话"),
        "role": ("单位类型", "企业类型", "受检单位性质"),
    }, required=True),
    *_firm_columns("manufacturer", "标称生产者", {
        "name": ("生产企业名称", "生产者名称", "标称生产企业名称", "标称生产企业", "生产单位名称"),
        "credit_code": ("生产企业统一社会信用代码", "生产者统一社会信用代码", "生产企业信用代码"),
        "address": ("生产企业地址", "生产者地址", "标称生产企业地址"),
        "postal_code": ("标称生产者邮编", "生产企业邮编"),
        "legal_rep": ("生产企业法定代表人",),
        "contact": ("生产企业联系人",),
        "phone": ("标称生产者电话", "生产企业电话", "生产企业联系电话"),
        "role": ("生产企业类型",),
    }),
    Column("产品名称", "product.name", False, ("样品名称",)),
    Column("商标", "product.trademark", False, ("品牌", "商标（品牌）")),
    Column("规格型号", "product.model", False, ("型号规格", "规格", "型号")),
    Column("生产批号", "product.batch", False, ("批号", "生产日期/批号", "批次号", "批次")),
    Column("生产日期", "product.production_date", False, ("生产年月",)),
    Column("产品等级", "product.grade", False, ("质量等级", "等级")),
    Column("执行标准", "product.standard", False, ("产品标准", "执行标准/技术文件", "标准号")),
    Column("证书类型", "product.license_type", False, ("许可证类型", "认证类型")),
    Column("证书编号", "product.license_no", False, ("许可证编号", "生产许可证编号", "认证证书编号")),
    Column("检验样品数量", "quantity.test", False, ("检验样品数",)),
    Column("备用样品数量", "quantity.backup", False, ("备用样品数", "备样数量")),
    Column("抽样基数", "quantity.base", False, ("抽样基数/库存", "库存数量")),
    Column("购买数量", "quantity.bought", False, ("付费数量", "购样数量")),
    Column("计量单位", "quantity.unit", False, ("单位",)),
    Column("单价（元）", "unit_price", False, ("单价", "样品单价", "样品单价（元）")),
    Column("抽样时间", "sampled_at", False, ("抽样日期",)),
    Column("抽样地点", "place", False, ("抽样场所",)),
    Column("封样编号", "seal.seal_no", False, ("封条编号",)),
    Column("备样封存地点", "seal.backup_location", False, ("备用样品封存地点", "封存地点")),
    Column("寄送样品地点", "send_to", False, ("样品寄送地点", "送样地点")),
    Column("寄送样品截止日期", "send_by", False, ("寄送截止日期", "送样截止日期")),
    Column("电商平台", "online.platform", False, ("网络交易平台", "平台名称")),
    Column("网店名称", "online.shop", False, ("店铺名称",)),
    Column("商品网页地址", "online.url", False, ("商品链接", "网址")),
    Column("订单号", "online.order_no", False, ("订单编号",)),
    Column("实付金额（元）", "online.paid", False, ("实付金额", "支付金额")),
    Column("下单时间", "online.ordered_at", False, ()),
    Column("照片文件", "photos", False, ("照片", "图片")),
    Column("拒检情况描述", "refusal.description", False, ("拒检过程描述", "拒检事实")),
    Column("见证人", "refusal.witnesses", False, ("拒检见证人",)),
    Column("未抽样原因", "no_sample.reason", False, ("未抽到样品原因",)),
    Column("未抽样情况描述", "no_sample.description", False, ("未抽样说明", "未抽到样品情况说明")),
]

TASK_FIELDS: list[tuple[str, str]] = [
    ("组织监督抽查部门名称", "agency.name"),
    ("组织监督抽查部门机关代字", "agency.short_name"),
    ("组织监督抽查部门地址", "agency.address"),
    ("组织监督抽查部门邮政编码", "agency.postal_code"),
    ("组织监督抽查部门电话", "agency.phone"),
    ("组织监督抽查部门联系人", "agency.contact"),
    ("承检机构名称", "institution.name"),
    ("承检机构地址", "institution.address"),
    ("承检机构邮政编码", "institution.postal_code"),
    ("承检机构电话", "institution.phone"),
    ("承检机构联系人", "institution.contact"),
    ("承检机构资质认定证书编号", "institution.cma_no"),
    ("任务编号", "task.code"),
    ("任务名称", "task.name"),
    ("抽查级别", "task.level"),
    ("任务类别", "task.category"),
    ("任务来源", "task.source"),
    ("计划文号", "task.plan_doc_no"),
    ("抽查产品类别", "task.product_category"),
    ("通知书有效期起", "task.valid_from"),
    ("通知书有效期止", "task.valid_to"),
    ("抽检依据", "task.basis"),
    ("结果报送期限", "task.result_due"),
    ("抽样人员", "samplers"),
    ("抽样日期", "trip_date"),
]

OUTCOME_WORDS = {
    "sampled": ("已抽样", "抽样", "已抽", "正常抽样", "抽样完成", "sampled"),
    "refused": ("拒检", "拒绝", "拒绝抽样", "拒绝检查", "拒检认定", "refused"),
    "no_sample": ("未抽到样品", "未抽样", "未抽到", "无样品", "no_sample"),
}
ROLE_WORDS = {
    "生产": ("生产", "生产者", "生产企业", "生产商", "生产单位", "制造商"),
    "销售": ("销售", "销售者", "销售企业", "经销", "经销商", "销售单位"),
    "电商": ("电商", "电子商务", "网店", "网络销售", "电商平台经营者", "平台内经营者"),
}

DATE_PATHS = {"send_by", "task.valid_from", "task.valid_to", "task.result_due", "trip_date"}
DATETIME_PATHS = {"sampled_at", "online.ordered_at"}
MONEY_PATHS = {"unit_price", "online.paid"}
INT_PATHS = {"quantity.bought"}
