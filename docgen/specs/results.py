"""Sending the result: the 检验结果通知书 with its reply slip (REFERENCE §2.8), the 送达回证
(§6.2), and the envelope and address labels it is posted with."""
from docgen.spec import Column, Cut, FormSpec, Grid, L, Para, Row, Sign, T, Table, V

RESULT_NOTICE = FormSpec(
    code="result_notice",
    title="产品质量监督抽查检验结果通知书",
    number="{result.notice_no}",
    font_size=10.5,
    required=("result.notice_no", "enterprise.name", "sample_no", "result.report_no",
              "result.conclusion", "result.failed_items", "terms.objection_days"),
    blocks=(
        Para("{enterprise.name}：", align="left", plain=True),
        Para("{agency.name}组织开展的{task.name}（任务编号：{task.code}）中，于{sampled_on}在你单位"
             "抽取的{product.name}样品（抽样单编号：{sample_no}），已由{institution.name}检验完毕。"
             "现将检验结果通知如下：", indent=True),
        Grid(
            Row(L("产品名称", 2), V("product.name", 4), L("商标", 2), V("product.trademark", 4)),
            Row(L("规格型号", 2), V("product.model", 4), L("生产日期/批号", 2),
                T("{product.production_date}／{product.batch}", 4)),
            Row(L("标称生产者", 2), V("manufacturer.name", 10)),
            Row(L("抽样单编号", 2), V("sample_no", 4), L("抽样日期", 2), V("sampled_on", 4)),
            Row(L("检验报告编号", 2), V("result.report_no", 4), L("报告日期", 2),
                V("result.report_date", 4)),
            Row(L("检验依据", 2), V("product.standard", 6), L("检验结论", 2),
                V("result.conclusion", 2, align="center")),
        ),
        Para("{result.statement}", indent=True, space_before=0.3),
        Table("result.failed_items", (Column("序号", "no", 1, "center"), Column("检验项目", "item", 3),
                               Column("标准要求", "requirement", 3),
                               Column("实测值", "measured", 3),
                               Column("单项判定", "verdict", 2, "center")),
              empty_text="无（所检项目均符合要求）"),
        Para("如对检验结果有异议，可自收到本通知书之日起{terms.objection_days}日内向{agency.name}或者"
             "其上级市场监督管理部门提出书面复检申请，逾期未提出的视为认可检验结果。受理地址："
             "{agency.address}（邮政编码：{agency.postal_code}），联系部门：{agency.contact}，"
             "联系电话：{agency.phone}。", indent=True, space_before=0.3),
        Para("{result.backup_disposal}", indent=True),
        Para("附件：检验报告（编号：{result.report_no}）", indent=True, space_before=0.3),
        # GB/T 9704 §7.3.5: the date ends four characters in from the right, under the seal
        Para("{agency.name}（盖章）　　", align="right", plain=True, space_before=0.6),
        Para("年　　月　　日　　　　", align="right", plain=True),
        Para("{copies_note}", size="small", space_before=0.3),
        Cut("（沿此线剪下寄回）"),
        Para("检验结果通知书回执", align="center", size="large", bold=True),
        Grid(
            Row(L("企业名称", 2), V("enterprise.name", 10)),
            Row(L("抽样单编号", 2), V("sample_no", 4), L("检验报告编号", 2),
                V("result.report_no", 4)),
            Row(L("企业意见", 2), V("result.reply_boxes", 10)),
            Row(Sign("签收人（签字）：　　　　　联系电话：", 7, lines=3), Sign("企业（盖章）：", 5, lines=3)),
        ),
        Para("请签字盖章后将本回执寄回：{sender.name}，{sender.address}，邮政编码{sender.postal_code}。",
             size="small", space_before=0.3),
    ),
)

SERVICE_RECEIPT = FormSpec(
    code="service_receipt",
    title="送达回证",
    font_size=12,
    required=("result.notice_no", "result.report_no", "agency.name", "enterprise.name",
              "enterprise.address", "service.method_boxes", "ems_no"),
    blocks=(
        Grid(
            Row(L("送达文书名称\n及文号", 3, lines=3),
                T("1．产品质量监督抽查检验结果通知书（{result.notice_no}）\n"
                  "2．检验报告（编号：{result.report_no}）", 9, lines=3)),
            Row(L("送达单位", 3, lines=2), V("agency.name", 9)),
            Row(L("受送达人", 3, lines=2), V("enterprise.name", 9)),
            Row(L("送达地点", 3, lines=2),
                T("{enterprise.address}（邮政编码：{enterprise.postal_code}）", 9)),
            Row(L("送达方式", 3, lines=2), V("service.method_boxes", 9)),
            Row(L("EMS邮件号码", 3, lines=2), V("ems_no", 9)),
            Row(L("送达时间", 3, lines=2), T("　　　　年　　月　　日　　时　　分", 9)),
            Row(L("受送达人\n签名或盖章", 3, lines=4), Sign("", 9, lines=4)),
            Row(L("代收人签名\n及与受送达人关系", 3, lines=4),
                Sign("代收人：　　　　　　　　与受送达人关系：", 9, lines=4)),
            Row(L("见证人", 3, lines=3), Sign("", 9, lines=3)),
            Row(L("送达人", 3, lines=3), Sign("", 9, lines=3)),
            Row(L("备注", 3, lines=3),
                T("邮寄送达的，以邮件回执上注明的收件日期为送达日期；{terms.objection_days}日异议期自"
                  "收到检验结果通知书之日起计算。", 9, lines=3)),
        ),
        Para("{copies_note}", size="small", space_before=0.5),
    ),
)

ENVELOPE = FormSpec(
    code="envelope",
    title="检验结果邮寄信封",
    number="",
    blocks=(),
    layout="envelope",
    required=("enterprise.postal_digits", "enterprise.address", "enterprise.name",
              "sender.name", "sender.address", "sender.postal_code"),
    slots=(
        ("postal_digits", "{enterprise.postal_digits}"),
        ("address", "{enterprise.address}"),
        ("addressee", "{enterprise.name}（收）"),
        ("contact", "联系人：{enterprise.contact}　电话：{enterprise.phone}"),
        ("note", "EMS　内装：产品质量监督抽查检验结果通知书（抽样单编号：{sample_no}）"),
        ("sender", "寄件人：{sender.name}　{sender.address}"),
        ("sender_postal", "邮政编码：{sender.postal_code}"),
    ),
)

LABEL_SHEET = FormSpec(
    code="label_sheet",
    title="邮寄地址标签",
    number="",
    blocks=(),
    layout="label_sheet",
    required=("labels",),
    slots=(("labels", "{labels}"),),
)
