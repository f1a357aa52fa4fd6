"""Forms filled on site when things go otherwise: refusal, no sample; and the conduct feedback."""
from docgen.spec import FormSpec, Grid, L, Para, Row, Section, Sign, T, V

REFUSAL = FormSpec(
    code="refusal",
    title="产品质量监督抽查拒检认定表",
    required=("sample_no", "enterprise.name", "refusal.description"),
    blocks=(
        Grid(
            Section(
                "受检企业",
                Row(L("企业名称", 2), V("enterprise.name", 10)),
                Row(L("统一社会信用代码", 2), V("enterprise.credit_code", 4), L("法定代表人", 2),
                    V("enterprise.legal_rep", 4)),
                Row(L("企业地址", 2), V("enterprise.address", 10)),
                Row(L("联系人及电话", 2), T("{enterprise.contact}　{enterprise.phone}", 4),
                    L("产品名称", 2), V("product.name", 4)),
            ),
            Section(
                "抽样单位",
                Row(L("单位名称", 2), V("institution.name", 6), L("联系电话", 2),
                    V("institution.phone", 2)),
                Row(L("任务来源", 2),
                    T("{task.year}年　{task.source}　{task.level}产品质量{task.category}", 10)),
                Row(L("抽样人员", 2), V("samplers.with_ids", 10)),
                Row(L("拒检时间", 2), V("sampled_at", 10)),
            ),
            Row(L("事实认定\n（拒检过程描述）", 2), V("refusal.description", 10, lines=9)),
            Row(L("见证人", 2), V("refusal.witnesses", 10)),
            Row(Sign("抽样人员（签字）：", 4, lines=4), Sign("见证人（签字）：", 4, lines=4),
                Sign("抽样单位（印章）：", 4, lines=4)),
            Row(Sign("企业所在地市场监督管理部门意见：\n\n\n单位（印章）：", 12, lines=5)),
        ),
        Para("注：抽样人员已向被抽样单位告知无正当理由拒绝监督抽查的法律后果。{copies_note}",
             size="small", space_before=0.5),
    ),
)

NO_SAMPLE = FormSpec(
    code="no_sample",
    title="未抽样品工作单",
    subtitle="（未抽到样品情况说明）",
    required=("sample_no", "enterprise.name", "no_sample.reason_boxes", "no_sample.description"),
    blocks=(
        Grid(
            Row(L("任务来源", 2), V("task.source", 4), L("任务类别", 2), V("task.category_boxes", 4)),
            Row(L("抽查产品", 2), V("product.name", 4), L("抽样时间", 2), V("sampled_at", 4)),
            Row(L("企业名称", 2), V("enterprise.name", 10)),
            Row(L("统一社会信用代码", 2), V("enterprise.credit_code", 10)),
            Row(L("企业地址", 2), V("enterprise.address", 10)),
            Row(L("联系人", 2), V("enterprise.contact", 4), L("电话", 2), V("enterprise.phone", 4)),
            Row(L("未抽样原因", 2), V("no_sample.reason_boxes", 10, lines=2)),
            Row(L("过程简要描述", 2), V("no_sample.description", 10, lines=8)),
            Row(Sign("当地市场监督管理部门意见：\n\n\n（公章）", 4, lines=6),
                Sign("抽样人员（签字）：\n\n\n抽样单位（公章）", 4, lines=6),
                Sign("被抽查企业（签字/盖章）：", 4, lines=6)),
        ),
        Para("{copies_note}", size="small", space_before=0.5),
    ),
)

_CONDUCT_ITEMS = (
    "抽样人员为2人（含）以上",
    "抽样人员出示了监督抽查通知书、授权委托书复印件和有效身份证件",
    "抽样人员告知了监督抽查的性质、抽查范围以及企业的权利和义务",
    "抽样人员按照抽样实施细则抽取、封存样品，未由企业自行抽样",
    "抽样人员在抽样过程中公正、文明，未妨碍企业正常生产经营",
    "抽样人员未与企业签订检验委托合同，未向企业收取检验费用",
    "抽样人员按规定支付了样品费用，未索要产品或者以明显不合理的低价购买样品",
    "抽样人员未借抽样之机游览参观，未要求企业承担食宿、交通等费用",
    "抽样人员未接受企业宴请、礼品、礼金或者有价证券",
    "抽样人员未向企业推销产品、推荐咨询或者培训服务",
    "抽样人员严格遵守保密规定，未泄露企业商业秘密",
)

FEEDBACK = FormSpec(
    code="feedback",
    title="产品质量监督抽查工作质量及工作纪律反馈单",
    required=("sample_no", "enterprise.name", "samplers.names"),
    blocks=(
        Para("为加强对监督抽查工作的监督，请你单位对抽样人员的工作质量和工作纪律如实评价，抽样工作结束后"
             "填写本单，寄回{agency.name}（地址：{agency.address}，邮编：{agency.postal_code}）。",
             indent=True),
        Grid(
            Row(L("企业名称", 2), V("enterprise.name", 10)),
            Row(L("抽样单编号", 2), V("sample_no", 4), L("抽样日期", 2), V("sampled_on", 4)),
            Row(L("抽样组人员", 2), V("samplers.names", 10)),
            Row(L("序号", 1), L("反馈事项", 8), L("企业意见", 3)),
            *(Row(T(str(n), 1, align="center"), T(text, 8), T("☐是　☐否", 3, align="center"))
              for n, text in enumerate(_CONDUCT_ITEMS, start=1)),
            Row(L("总体评价", 2), T("☐非常满意　　☐满意　　☐不满意", 10)),
            Row(L("其他意见\n或建议", 2), T("", 10, lines=3)),
            Row(Sign("企业负责人（签字）：\n\n企业（盖章）：", 12, lines=4)),
        ),
        Para("投诉举报电话：{terms.complaint_phone}（{agency.name}）。{copies_note}", size="small",
             space_before=0.5),
    ),
)
