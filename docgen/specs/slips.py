"""The 抽样单 (after the Hunan 2018 field set, REFERENCE §2.2) and the 样品付费单 (§2.3)."""
from docgen.spec import FormSpec, Grid, L, Para, Row, Section, Sign, T, V


def _firm_rows(prefix: str) -> tuple[Row, ...]:
    return (
        Row(L("单位名称", 2), V(f"{prefix}.name", 10)),
        Row(L("统一社会信用代码", 2), V(f"{prefix}.credit_code", 4), L("法定代表人", 2),
            V(f"{prefix}.legal_rep", 4)),
        Row(L("地址", 2), V(f"{prefix}.address", 7), L("邮编", 1), V(f"{prefix}.postal_code", 2)),
        Row(L("联系人", 2), V(f"{prefix}.contact", 4), L("电话", 2), V(f"{prefix}.phone", 4)),
    )


SAMPLING_SLIP = FormSpec(
    code="sampling_slip",
    title="产品质量监督抽查/复查抽样单",
    font_size=9,
    required=("sample_no", "enterprise.name", "enterprise.credit_code", "product.name",
              "quantity.test", "quantity.backup", "price.unit", "sampled_at"),
    blocks=(
        Grid(
            Row(L("任务来源", 2), V("task.source", 4), L("任务类别", 2), V("task.category_boxes", 4)),
            Row(L("任务名称", 2), T("{task.name}（{task.code}）", 10)),
            Section("受检单位", *_firm_rows("enterprise"),
                    Row(L("单位类型", 2), V("enterprise.role_boxes", 10))),
            Section("生产单位", *_firm_rows("manufacturer")),
            Section(
                "受检产品",
                Row(L("产品名称", 2), V("product.name", 4), L("商标", 2), V("product.trademark", 4)),
                Row(L("规格型号", 2), V("product.model", 4), L("生产日期/批号", 2),
                    T("{product.production_date}／{product.batch}", 4)),
                Row(L("证书类型", 2), V("product.license_boxes", 10)),
                Row(L("证书编号", 2), V("product.license_no", 4), L("产品等级", 2),
                    V("product.grade", 4)),
                Row(L("执行标准/技术文件", 2), V("product.standard", 10)),
                Row(L("抽样数量", 2), T("检验样品：{quantity.test}；备用样品：{quantity.backup}", 6),
                    L("抽样基数", 2), V("quantity.base", 2)),
                Row(L("单价", 2), V("price.unit", 2), L("购买数量", 2),
                    T("{quantity.bought}{quantity.unit}", 2), L("金额", 2), V("price.amount", 2)),
                Row(L("封样状态", 2), V("seal.state_boxes", 4), L("封样编号", 2), V("seal.seal_no", 4)),
                Row(L("备样量及封存地点", 2), T("{quantity.backup}；{seal.backup_location}", 10)),
                Row(L("抽样地点", 2), V("place", 4), L("抽样时间", 2), V("sampled_at", 4)),
                Row(L("寄送样品地点", 2), V("send_to", 4), L("寄送样品截止日期", 2), V("send_by", 4)),
            ),
            Section(
                "网络抽样",
                Row(L("电商平台", 2), V("online.platform", 4), L("网店名称", 2), V("online.shop", 4)),
                Row(L("商品网址", 2), V("online.url", 10)),
                Row(L("订单号", 2), V("online.order_no", 4), L("实付金额", 2), V("online.paid", 4)),
                Row(L("下单时间", 2), V("online.ordered_at", 10)),
            ),
            Section(
                "抽样单位",
                Row(L("单位名称", 2), V("institution.name", 10)),
                Row(L("地址", 2), V("institution.address", 7), L("邮编", 1),
                    V("institution.postal_code", 2)),
                Row(L("联系人", 2), V("institution.contact", 4), L("电话", 2),
                    V("institution.phone", 4)),
                Row(L("抽样人员", 2), V("samplers.with_ids", 10)),
            ),
            Row(L("备注", 2),
                T("被抽样单位确认：所抽样品系本单位在中华人民共和国境内生产或者销售的、经本单位检验合格的"
                  "待销产品。\n抽检依据：{task.basis}", 10, lines=2)),
            Row(Sign("受检单位：对上述内容无异议。\n签字（盖章）：", 4, lines=4),
                Sign("生产单位：对上述内容无异议。\n签字（盖章）：", 4, lines=4),
                Sign("抽样人（签字）：\n抽样单位（公章）：", 4, lines=4)),
            Row(L("样品接收", 2),
                T("收样人（签字）：　　　　　　　检验机构（公章）：　　　　　　　　年　　月　　日", 10)),
        ),
        Para("{copies_note}", size="small", space_before=0.3),
    ),
)

PAYMENT_SLIP = FormSpec(
    code="payment_slip",
    title="产品质量监督抽查样品付费单",
    font_size=11,
    required=("sample_no", "enterprise.name", "product.name", "price.unit", "price.amount",
              "price.amount_upper"),
    blocks=(
        Para("{enterprise.name}：", align="left"),
        Para("根据《产品质量监督抽查管理暂行办法》，监督抽查所需样品由抽样单位按规定购买，不向你单位收取"
             "检验费用。本次{task.name}（任务编号：{task.code}）在你单位抽取样品（抽样单编号："
             "{sample_no}），应付样品费用如下：", indent=True),
        Grid(
            Row(L("序号", 1), L("样品名称", 3), L("规格型号", 3), L("单价", 2), L("数量", 1),
                L("金额", 2)),
            Row(T("1", 1, align="center"), V("product.name", 3, lines=2), V("product.model", 3),
                V("price.unit", 2, align="right"), T("{quantity.bought}{quantity.unit}", 1),
                V("price.amount", 2, align="right")),
            Row(L("合计", 1), T("（大写）{price.amount_upper}", 7), T("（小写）{price.amount}", 4)),
        ),
        Para("请你单位开具正式发票（抬头：{institution.name}）交抽样人员；现场无法开具的，请于"
             "{terms.invoice_within}内将本单及发票寄至{institution.name}（地址：{institution.address}，"
             "邮编：{institution.postal_code}，联系人：{institution.contact}，电话：{institution.phone}）。",
             indent=True, space_before=0.5),
        Grid(
            Section(
                "收款单位",
                Row(L("单位全称", 2), T("", 10)),
                Row(L("开户银行", 2), T("", 10)),
                Row(L("银行账号", 2), T("", 10)),
                Row(L("联系人", 2), T("", 4), L("电话", 2), T("", 4)),
            ),
            Row(Sign("被抽样单位（签字/盖章）：", 6, lines=4),
                Sign("抽样人员（签字）：", 6, lines=4)),
        ),
        Para("{copies_note}", size="small", space_before=0.5),
    ),
)
